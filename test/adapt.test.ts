import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/nn/polyfills.ts';
import { numpy as np, tree } from '@jax-js/jax';
import { useDevice } from '../src/nn/runtime.ts';
import { initWorldModel, rolloutLatents } from '../src/models/worldmodel/model.ts';
import { defaultWorldModelConfig, latentSize, mapSize } from '../src/models/worldmodel/config.ts';
import { ADAPT_DEFAULTS, EpisodeAdapter } from '../src/plan/adapt.ts';
import { LatentPlanner } from '../src/plan/latent-planner.ts';

await useDevice('wasm');

// A small map + keypoint model with frame skip 2 (4×4 map of 2 channels from 32-px images).
const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 32, inputSize: 32, patch: 4, channels: [8, 8], latent: 'map', mapChannels: 2, mapHidden: 8, readout: 'keypoints', latentDim: 4, frameSkip: 2 });
const D = latentSize(c), S = mapSize(c);

/** A map with one blob per channel, channel 0 at cell (x, y) and channel 1 fixed at (0, 3). */
function blobMap(x: number, y: number): Float32Array {
  const z = new Float32Array(D);
  z[(y * S + x) * 2] = 3;
  z[(3 * S + 0) * 2 + 1] = 3;
  return z;
}

async function values(p: unknown): Promise<number[]> {
  const out: number[] = [];
  for (const leaf of tree.leaves(p as never) as np.Array[]) out.push(...Array.from((await leaf.ref.data()) as Float32Array));
  return out;
}

test('test-time adaptation: the predictor learns the episode it observes, the trained weights stay, reset restores them', async () => {
  assert.equal(S, 4);
  const params = initWorldModel(c, 4);
  const trained = await values(params.predictor);
  const adapter = new EpisodeAdapter(params, c, { ...ADAPT_DEFAULTS, steps: 1, lr: 1e-2, windows: 4, rollout: 2 });
  adapter.reset(3);
  // A wall: every action pushes +x and the agent's blob never moves.
  const push = Float64Array.from([1, 0]);
  for (let t = 0; t < 4; t++) { adapter.observe(blobMap(1, 1)); adapter.took(push); }
  // A full window needs history (1 model step = 2 frames back) + 2 rollout steps (4 frames ahead): 7 frames.
  assert.equal(adapter.adapt(), false, 'nothing to learn from before one full window is observed');
  for (let t = 4; t < 10; t++) { adapter.observe(blobMap(1, 1)); if (t < 9) adapter.took(push); }
  const losses: number[] = [];
  for (let i = 0; i < 40; i++) {
    assert.equal(adapter.adapt(), true, 'a full window observed');
    losses.push(adapter.lastLoss[0]!);
  }
  assert.ok(losses.every(Number.isFinite), `finite losses ${losses}`);
  assert.ok(losses[39]! < 0.3 * losses[0]!, `the observed windows are learned: loss ${losses[0]} → ${losses[39]}`);
  assert.ok(adapter.flops > 0, 'adaptation FLOPs are counted');
  // The adapted predictor now keeps the pushed blob where it is (the trained one moves it).
  const predictWith = async (p: unknown) => {
    const hist = np.array(Float32Array.from([...blobMap(1, 1), ...blobMap(1, 1)])).reshape([1, 2, D]);
    const acts = np.array(Float32Array.from([1, 0])).reshape([1, 1, 2]);
    const z = (await rolloutLatents(tree.ref(p as never), hist, acts, c).data()) as Float32Array;
    let err = 0;
    blobMap(1, 1).forEach((v, i) => { err += (z[i]! - v) ** 2; });
    return err;
  };
  const adaptedErr = await predictWith(adapter.predictor);
  const trainedErr = await predictWith(params.predictor);
  assert.ok(adaptedErr < 0.3 * trainedErr, `adapted one-step error ${adaptedErr} vs trained ${trainedErr}`);
  assert.deepEqual(await values(params.predictor), trained, 'the trained weights are untouched');
  adapter.reset(3);
  assert.deepEqual(await values(adapter.predictor), trained, 'a new episode starts from the trained weights');
  assert.equal(adapter.adapt(), false, 'and an empty record');
  adapter.dispose();
  tree.dispose(params);
});

test('planner with test-time adaptation: deterministic per seed, every episode from the trained model, FLOPs counted; bad settings refused', async () => {
  const params = initWorldModel(c, 5);
  const cfg = { horizon: 4, samples: 8, elites: 2, iterations: 1, energy: 'min' as const };
  const rgb = (v: number) => { const f = new Uint8Array(32 * 32 * 3); for (let i = 0; i < f.length; i++) f[i] = (v + 7 * (i % 13)) % 256; return f; };
  const episode = (p: LatentPlanner, seed: number) => {
    p.resetToGoalFrame(rgb(200), undefined, seed);
    const acts: number[] = [];
    for (let t = 0; t < 14; t++) acts.push(...p.actOnFrame(rgb(20 + 9 * t)));
    return acts;
  };
  const plain = new LatentPlanner(tree.map((x: np.Array) => x.ref, params), c, cfg);
  const adapting = new LatentPlanner(tree.map((x: np.Array) => x.ref, params), c, { ...cfg, adapt: { ...ADAPT_DEFAULTS, steps: 2, lr: 1e-2 } });
  const again = new LatentPlanner(params, c, { ...cfg, adapt: { ...ADAPT_DEFAULTS, steps: 2, lr: 1e-2 } });
  const a = episode(adapting, 9), b = episode(again, 9);
  assert.deepEqual(a, b, 'same seed, same actions');
  const p0 = episode(plain, 9);
  // Before the first full window (history + 2 rollout steps = 7 frames) nothing is adapted: the
  // first replans match the plain planner's; later ones differ once the predictor has moved.
  assert.deepEqual(a.slice(0, 6 * 2), p0.slice(0, 6 * 2), 'identical until a window has been observed');
  assert.notDeepEqual(a, p0, 'adaptation changes later plans');
  assert.ok(adapting.flops > plain.flops, `adaptation FLOPs counted (${adapting.flops} vs ${plain.flops})`);
  assert.deepEqual(episode(adapting, 9), a, 'a second episode starts from the trained weights again');
  for (const p of [plain, adapting, again]) p.dispose();
  const q = initWorldModel(c, 1);
  assert.throws(() => new LatentPlanner(q, c, { adapt: { ...ADAPT_DEFAULTS, steps: 1, lr: 0 } }), /adaptation learning rate must be a positive number/);
  assert.throws(() => new LatentPlanner(q, c, { adapt: { ...ADAPT_DEFAULTS, steps: 1.5 } }), /adaptation steps must be a whole number/);
  assert.throws(() => new LatentPlanner(q, c, { adapt: { ...ADAPT_DEFAULTS, windows: 1 } }), /adaptation windows must be a whole number ≥ 2/);
  tree.dispose(q);
});
