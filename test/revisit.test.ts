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
  const revisit = stuckEpisode({ revisit: { weight: 1, width: 0.75, surprise: false } }, 12);
  assert.ok(revisit[0]![0]! > 0.5 && Math.abs(revisit[0]![1]!) < 0.5, `one visit: still pushes first (${revisit[0]})`);
  assert.ok(sideways(revisit) > 0.8, `after being stuck it moves sideways: mean |a_y| ${sideways(revisit)} over steps 6–11 (${JSON.stringify(revisit)})`);
  // Weight 0 is the plain planner, bit for bit; the cost is deterministic per seed.
  assert.deepEqual(stuckEpisode({ revisit: { weight: 0, width: 0.75, surprise: false } }, 12), plain, 'weight 0 plans like no revisit cost');
  assert.deepEqual(stuckEpisode({ revisit: { weight: 1, width: 0.75, surprise: false } }, 12), revisit, 'same seed, same actions');
  // Each episode starts with an empty memory: a second episode pushes first again.
  const planner = new LatentPlanner(leakyWallModel(), c, { horizon: 6, samples: 64, iterations: 3, elites: 8, energy: 'sum', revisit: { weight: 1, width: 0.75, surprise: false } });
  for (const ep of [0, 1]) {
    planner.reset(Float32Array.from([3, 0, 0, 0]), 1);
    const acts: number[][] = [];
    for (let t = 0; t < 12; t++) acts.push(Array.from(planner.act(new Float32Array(4))));
    assert.deepEqual(acts, revisit, `episode ${ep} plans from an empty memory`);
  }
  planner.dispose();
});

test('revisit cost by surprise: counts where the model predicted more motion than happened, not where the agent moved as predicted', () => {
  const config = { horizon: 6, samples: 64, iterations: 3, elites: 8, energy: 'sum' as const, revisit: { weight: 1, width: 0.75, surprise: true } };
  // Stuck: the model predicts every push moves the agent; it never does.
  const stuck = new LatentPlanner(leakyWallModel(), c, config);
  stuck.reset(Float32Array.from([3, 0, 0, 0]), 1);
  for (let t = 0; t < 12; t++) stuck.act(new Float32Array(4));
  const stuckCounts = stuck.revisitCounts;
  assert.deepEqual(stuckCounts.slice(0, 2), [0, 0], 'nothing to be surprised by before a full history');
  assert.ok(stuckCounts.slice(2).every((w) => w > 0.1), `stuck: every later observation counts (${stuckCounts})`);
  // As predicted: each observation is where the model said the last action would take the agent.
  const free = new LatentPlanner(leakyWallModel(), c, config);
  free.reset(Float32Array.from([3, 0, 0, 0]), 1);
  const z = new Float32Array(4);
  for (let t = 0; t < 12; t++) {
    const [ax, ay] = free.act(Float32Array.from(z));
    z[0]! += 0.15 * ax!;
    z[1]! += 0.5 * ay!;
  }
  assert.ok(free.revisitCounts.every((w) => w < 0.02), `moving as predicted counts for nothing (${free.revisitCounts})`);
  // The surprise-weighted cost still frees the stuck agent: it ends up moving sideways. (Here a
  // push is predicted to move 0.15, a fifth of a width, so each stuck step counts ~0.2, not 1.)
  const late = stuckEpisode({ ...config, revisit: { ...config.revisit, weight: 5 } }, 12).slice(6);
  assert.ok(late.reduce((a, [, ay]) => a + Math.abs(ay!), 0) / late.length > 0.6, `stuck agent moves sideways: ${JSON.stringify(late)}`);
  stuck.dispose();
  free.dispose();
});

test('revisit cost: bad settings are refused', () => {
  const p = initWorldModel(c, 1);
  assert.throws(() => new LatentPlanner(p, c, { revisit: { weight: -1, width: 0.75, surprise: false } }), /revisit weight must be a number ≥ 0/);
  assert.throws(() => new LatentPlanner(p, c, { revisit: { weight: 0.1, width: 0, surprise: false } }), /revisit width must be a positive number/);
  tree.dispose(p);
});
