import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/nn/polyfills.ts';
import { numpy as np, tree } from '@jax-js/jax';
import { useDevice } from '../src/nn/runtime.ts';
import { initWorldModel, type WorldModelParams } from '../src/models/worldmodel/model.ts';
import { defaultWorldModelConfig } from '../src/models/worldmodel/config.ts';
import { LatentPlanner, type PlannerConfig } from '../src/plan/latent-planner.ts';

await useDevice('wasm');

// A 4-D vector latent whose predictor is hand-set to a "leaky wall": the action's x moves the
// latent 0.15 per step, its y 0.5 per step (z' = z + [0.15·a_x, 0.5·a_y, 0, 0]).
const c = defaultWorldModelConfig({ actionDim: 2, latentDim: 4, predictorHidden: 4 });
const H = 10; // hidden units offset so that gelu(H + a) ≈ H + a for |a| ≤ 1

function leakyWallModel(): WorldModelParams {
  const p = initWorldModel(c, 0);
  const inDim = c.history * c.latentDim + c.actionDim;
  const w0 = new Float32Array(inDim * 4), w1 = new Float32Array(16), w2 = new Float32Array(4 * c.latentDim); // [in, out] row-major
  w0[(inDim - 2) * 4 + 0] = 1; // hidden 0 ← a_x
  w0[(inDim - 1) * 4 + 1] = 1; // hidden 1 ← a_y
  w1[0 * 4 + 0] = 1;
  w1[1 * 4 + 1] = 1;
  w2[0 * c.latentDim + 0] = 0.15; // latent x ← 0.15·(hidden 0 − H)
  w2[1 * c.latentDim + 1] = 0.5; // latent y ← 0.5·(hidden 1 − H)
  const arr = (a: Float32Array<ArrayBuffer>, shape: number[]) => np.array(a).reshape(shape);
  tree.dispose(p.predictor);
  p.predictor = { layers: [
    { w: arr(w0, [inDim, 4]), b: np.array(Float32Array.from([H, H, 0, 0])) },
    { w: arr(w1, [4, 4]), b: np.zeros([4]) },
    { w: arr(w2, [4, c.latentDim]), b: np.array(Float32Array.from([-0.15 * H, -0.5 * H, 0, 0])) },
  ] };
  return p;
}

/** Actions of an agent that never moves (the wall holds it at the origin) under a planner. */
function stuckEpisode(config: Partial<PlannerConfig>, steps: number, seed = 1): number[][] {
  const planner = new LatentPlanner(leakyWallModel(), c, { horizon: 6, samples: 64, iterations: 3, elites: 8, energy: 'sum', ...config });
  planner.reset(Float32Array.from([3, 0, 0, 0]), seed);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) out.push(Array.from(planner.act(new Float32Array(4))));
  planner.dispose();
  return out;
}

test('revisit cost: an agent stuck where the model predicts progress leaves for unvisited embeddings', () => {
  // Without it, pushing into the leaky wall always looks best (it gets closest to the goal).
  const plain = stuckEpisode({}, 12);
  const sideways = (acts: number[][]) => acts.slice(6).reduce((a, [, ay]) => a + Math.abs(ay!), 0) / (acts.length - 6);
  assert.ok(plain.every(([ax]) => ax! > 0.5), `without the revisit cost the planner keeps pushing: ${JSON.stringify(plain)}`);
  assert.ok(sideways(plain) < 0.4, `and barely moves sideways: mean |a_y| ${sideways(plain)} over steps 6–11`);
  // With it: the first step still pushes, but once the agent has stayed put the push's predicted
  // embeddings lie in a dense visited region, and a sideways move (off the visited spot) wins.
  const revisit = stuckEpisode({ revisit: { weight: 1, width: 0.75 } }, 12);
  assert.ok(revisit[0]![0]! > 0.5 && Math.abs(revisit[0]![1]!) < 0.5, `one visit: still pushes first (${revisit[0]})`);
  assert.ok(sideways(revisit) > 0.8, `after being stuck it moves sideways: mean |a_y| ${sideways(revisit)} over steps 6–11 (${JSON.stringify(revisit)})`);
  // Weight 0 is the plain planner, bit for bit; the cost is deterministic per seed.
  assert.deepEqual(stuckEpisode({ revisit: { weight: 0, width: 0.75 } }, 12), plain, 'weight 0 plans like no revisit cost');
  assert.deepEqual(stuckEpisode({ revisit: { weight: 1, width: 0.75 } }, 12), revisit, 'same seed, same actions');
  // Each episode starts with an empty memory: a second episode pushes first again.
  const planner = new LatentPlanner(leakyWallModel(), c, { horizon: 6, samples: 64, iterations: 3, elites: 8, energy: 'sum', revisit: { weight: 1, width: 0.75 } });
  for (const ep of [0, 1]) {
    planner.reset(Float32Array.from([3, 0, 0, 0]), 1);
    const acts: number[][] = [];
    for (let t = 0; t < 12; t++) acts.push(Array.from(planner.act(new Float32Array(4))));
    assert.deepEqual(acts, revisit, `episode ${ep} plans from an empty memory`);
  }
  planner.dispose();
});

test('revisit cost: bad settings are refused', () => {
  const p = initWorldModel(c, 1);
  assert.throws(() => new LatentPlanner(p, c, { revisit: { weight: -1, width: 0.75 } }), /revisit weight must be a number ≥ 0/);
  assert.throws(() => new LatentPlanner(p, c, { revisit: { weight: 0.1, width: 0 } }), /revisit width must be a positive number/);
  tree.dispose(p);
});
