import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../src/nn/polyfills.ts';
import { grad, jit, numpy as np } from '@jax-js/jax';
import { useDevice } from '../src/nn/runtime.ts';
import { chunkedFrameEncoder, encode, frameEncoder, initWorldModel, KEYPOINT_SCALE, LOSS_PARTS, mapReconLoss, motionWeights, predict, readout, sigreg, vicreg, worldModelLosses } from '../src/models/worldmodel/model.ts';
import { combineEnergies, LatentPlanner } from '../src/plan/latent-planner.ts';
import { defaultWorldModelConfig, latentSize, mapSize } from '../src/models/worldmodel/config.ts';
import { initReachTime, reachTime, reachTimeLoss, REACH_TIME_UNIT } from '../src/models/worldmodel/reach-time.ts';
import { tree } from '@jax-js/jax';
import { randomDirections, poolFrames, skipFrames } from '../src/models/worldmodel/processor.ts';
import { effectiveRank, linearProbeR2, symmetricEigenvalues } from '../src/eval/linalg.ts';
import { Rng } from '../src/rng.ts';
import { collectDataset } from '../src/node/collect.ts';
import { loadWorldModel } from '../src/train/worldmodel.ts';
import { MotionWatch, restScale } from '../src/train/motion-watch.ts';
import { evalWorldModel } from '../src/eval/worldmodel-eval.ts';
import { openDataset } from '../src/data/reader.ts';

await useDevice('wasm');
const bin = fileURLToPath(new URL('../bin/umwelt.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'umwelt-wm-'));

function gaussian(m: number, d: number, seed: number, scale = 1): Float32Array<ArrayBuffer> {
  const rng = new Rng(seed, 'test-gauss');
  return Float32Array.from({ length: m * d }, () => scale * rng.normal());
}

test('anti-collapse regularizers: small for N(0, I) embeddings, large for collapsed ones', async () => {
  const m = 512, d = 8;
  const healthy = np.array(gaussian(m, d, 1)).reshape([m, d]);
  const collapsed = np.array(gaussian(m, d, 2, 0.01)).reshape([m, d]);
  const dirs = () => np.array(randomDirections(d, 32, 0, 0)).reshape([d, 32]);
  const sHealthy = (await sigreg(healthy.ref, dirs()).data())[0]!;
  const sCollapsed = (await sigreg(collapsed.ref, dirs()).data())[0]!;
  assert.ok(sHealthy < 0.01 && sCollapsed > 10 * sHealthy, `sigreg healthy ${sHealthy}, collapsed ${sCollapsed}`);
  const vh = vicreg(healthy, d), vc = vicreg(collapsed, d);
  const [vhv, vcv] = [(await vh.variance.data())[0]!, (await vc.variance.data())[0]!];
  vh.covariance.dispose(); vc.covariance.dispose();
  assert.ok(vhv < 0.1 && vcv > 0.9, `vicreg variance healthy ${vhv}, collapsed ${vcv}`);
});

test('time-to-reach loss: expectile weights (τ above, 1 − τ below) and the success mask', async () => {
  const D = 4, N = 6, tau = 0.3;
  const p = initReachTime(D, 16, 1);
  const z = gaussian(N, D, 1), g = gaussian(N, D, 2);
  const gap = Float32Array.from([0, 3, 8, 15, 30, 60]);
  const mask = Float32Array.from([1, 1, 0, 1, 1, 0]);
  const d = (await reachTime(tree.ref(p), np.array(z).reshape([N, D]), np.array(g).reshape([N, D])).data()) as Float32Array;
  assert.ok(d.every((v) => v >= 0), 'time-to-reach is never negative (softplus)');
  let num = 0, den = 0;
  for (let i = 0; i < N; i++) {
    const e = (d[i]! - gap[i]!) / REACH_TIME_UNIT;
    num += mask[i]! * (e > 0 ? tau : 1 - tau) * e * e;
    den += mask[i]!;
  }
  const loss = (await reachTimeLoss(p, np.array(z).reshape([N, D]), np.array(g).reshape([N, D]), np.array(gap), np.array(mask), tau).data()) as Float32Array;
  assert.ok(Math.abs(loss[0]! - num / den) < 1e-5 * Math.max(1, num / den), `${loss[0]} vs ${num / den}`);
});

test('map latents: strides [1] keep the patch grid (16×16 map from 64 px) and the encoder makes that map', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 64, inputSize: 64, patch: 4, channels: [8, 8], strides: [1], latent: 'map', mapChannels: 4, mapHidden: 8 });
  assert.equal(mapSize(c), 16);
  assert.equal(mapSize({ ...c, strides: undefined }), 8);
  // A 4×4 kernel (padding 1) at stride 2 makes the same 8×8 map as the default 3×3.
  const c4 = { ...c, strides: undefined, encoderKernel: 4 };
  assert.equal(mapSize(c4), 8);
  const p4 = initWorldModel(c4, 1);
  const z4 = encode(tree.ref({ convs: p4.convs, proj: p4.proj }), np.array(gaussian(2, 64 * 64 * 3, 3, 0.2)).reshape([2, 64, 64, 3]), null, c4);
  assert.deepEqual(z4.shape, [2, 8 * 8 * 4]);
  assert.deepEqual(p4.convs[1]!.w.shape, [4 * 4 * 8, 8]);
  z4.dispose();
  tree.dispose(p4);
  const p = initWorldModel(c, 1);
  const z = encode(tree.ref({ convs: p.convs, proj: p.proj }), np.array(gaussian(2, 64 * 64 * 3, 3, 0.2)).reshape([2, 64, 64, 3]), null, c);
  assert.deepEqual(z.shape, [2, 16 * 16 * 4]);
  z.dispose();
  tree.dispose(p);
});

test('chunked frame encoder: the same latents as one call, for any count of frames around the chunk size', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 64, inputSize: 32, stateDim: 2 });
  const p = initWorldModel(c, 4);
  const rng = new Rng(5, 'frames');
  const frames = Array.from({ length: 11 }, () => Uint8Array.from({ length: 64 * 64 * 3 }, () => rng.int(256)));
  const states = frames.map((_, i) => [i / 10, -i / 10]);
  const whole = (await frameEncoder(p, c)(frames, states).data()) as Float32Array;
  for (const n of [1, 4, 5, 11]) {
    const z = await chunkedFrameEncoder(p, c, 4)(frames.slice(0, n), states.slice(0, n));
    assert.equal(z.length, n * latentSize(c), `${n} frames`);
    z.forEach((v, i) => assert.ok(Math.abs(v - whole[i]!) < 1e-5, `${n} frames: latent ${i} is ${v}, one call gave ${whole[i]}`));
  }
  tree.dispose(p);
});

test('map latents: the convolutional predictor is the same rule at every cell (shift in, shift out)', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 64, inputSize: 64, patch: 4, channels: [32, 32], latent: 'map', mapChannels: 4, mapHidden: 8 });
  const S = mapSize(c), C = 4, D = latentSize(c);
  assert.equal(S, 8);
  assert.equal(D, 8 * 8 * 4);
  const p = initWorldModel(c, 3);
  // A random history, and the same history moved one cell right and one down (zeros shifted in).
  const h = gaussian(c.history * D, 1, 7);
  const shifted = new Float32Array(h.length);
  for (let f = 0; f < c.history; f++) {
    for (let y = 1; y < S; y++) for (let x = 1; x < S; x++) for (let k = 0; k < C; k++) shifted[f * D + (y * S + x) * C + k] = h[f * D + ((y - 1) * S + (x - 1)) * C + k]!;
  }
  const act = np.array(Float32Array.from([0.3, -0.7, 0.3, -0.7])).reshape([2, 2]);
  const hist = np.array(Float32Array.from([...h, ...shifted])).reshape([2, c.history, D]);
  const out = (await predict(tree.ref(p.predictor), hist, act, c).data()) as Float32Array;
  tree.dispose(p);
  // Three 3×3 convs see 3 cells each way: compare cells whose whole field lies inside both maps.
  let maxDiff = 0, maxVal = 0;
  for (let y = 4; y < S - 3; y++) {
    for (let x = 4; x < S - 3; x++) {
      for (let k = 0; k < C; k++) {
        const a = out[((y - 1) * S + (x - 1)) * C + k]!, b = out[D + (y * S + x) * C + k]!;
        maxDiff = Math.max(maxDiff, Math.abs(a - b));
        maxVal = Math.max(maxVal, Math.abs(a));
      }
    }
  }
  assert.ok(maxVal > 0.1, 'the prediction is not trivially zero');
  assert.ok(maxDiff < 1e-4, `shifted input gives the shifted prediction (max diff ${maxDiff})`);
});

test('map transport predictor: the winning offset moves the map by whole cells; the gate and residual blend', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 64, inputSize: 64, patch: 4, channels: [32, 32], latent: 'map', mapChannels: 3, mapHidden: 8, mapTransport: 1 });
  const S = mapSize(c), C = 3, D = latentSize(c), K = 9;
  const h = gaussian(c.history * D, 1, 5);
  const act = np.array(Float32Array.from([0.5, -0.5])).reshape([1, 2]);
  // Last conv silenced: its bias alone sets every cell's offset logits, gates and residuals.
  const run = async (bias: number[]) => {
    const p = initWorldModel(c, 2);
    const convs = (p.predictor as { convs: { w: np.Array; b: np.Array }[] }).convs;
    const last = convs[convs.length - 1]!;
    last.w = last.w.mul(0);
    last.b.dispose();
    last.b = np.array(Float32Array.from(bias));
    const out = (await predict(tree.ref(p.predictor), np.array(h).reshape([1, c.history, D]), act.ref, c).data()) as Float32Array;
    tree.dispose(p);
    return out;
  };
  const bias = (offset: number, gate: number, resid: number) => [...Array.from({ length: K }, (_, o) => (o === offset ? 60 : 0)), ...Array(C).fill(gate), ...Array(C).fill(resid)];
  const prev = h.subarray(D); // the last frame of the history
  // Offset index 5 is (dy, dx) = (0, +1): each cell takes its right neighbour; the last column gets zeros.
  const moved = await run(bias(5, 60, 0));
  let err = 0;
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let k = 0; k < C; k++) {
    const want = x + 1 < S ? prev[(y * S + x + 1) * C + k]! : 0;
    err = Math.max(err, Math.abs(moved[(y * S + x) * C + k]! - want));
  }
  assert.ok(err < 1e-5, `shift by one cell (max err ${err})`);
  // The centre offset (index 4) is "stay": copy-last plus the residual.
  const stay = await run(bias(4, 60, 0.25));
  assert.ok(prev.every((v, i) => Math.abs(stay[i]! - v - 0.25) < 1e-5), 'stay = last + residual');
  // A closed gate (sigmoid → 0) ignores the transport.
  const closed = await run(bias(5, -60, 0));
  assert.ok(prev.every((v, i) => Math.abs(closed[i]! - v) < 1e-5), 'closed gate = last');
  act.dispose();
  // A fresh transport predictor starts close to copy-last (the stay logit dominates).
  const fresh = initWorldModel(c, 2);
  const f = (await predict(tree.ref(fresh.predictor), np.array(h).reshape([1, c.history, D]), np.zeros([1, 2]), c).data()) as Float32Array;
  tree.dispose(fresh);
  const rel = Math.hypot(...f.map((v, i) => v - prev[i]!)) / Math.hypot(...prev);
  assert.ok(rel < 0.6, `fresh predictor near copy-last (relative change ${rel.toFixed(3)})`);
});

test('keypoint readout: each channel\'s spatial-softmax mean lands on the cell where it fires', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 64, inputSize: 64, patch: 4, channels: [32, 32], latent: 'map', mapChannels: 2, mapHidden: 8, readout: 'keypoints', latentDim: 4 });
  const S = mapSize(c), D = latentSize(c);
  const p = initWorldModel(c, 1);
  // Channel 0 fires at column 6, row 1; channel 1 at column 2, row 5 (strongly, so the softmax is one-hot).
  const z = new Float32Array(D);
  z[(1 * S + 6) * 2 + 0] = 40;
  z[(5 * S + 2) * 2 + 1] = 40;
  const e = (await readout(tree.ref(p.readout!), np.array(z).reshape([1, D]), c).data()) as Float32Array;
  tree.dispose(p);
  const at = (cell: number) => KEYPOINT_SCALE * ((2 * cell + 1) / S - 1);
  const want = [at(6), at(2), at(1), at(5)]; // x of each channel, then y
  want.forEach((v, i) => assert.ok(Math.abs(e[i]! - v) < 1e-3, `keypoint ${i}: ${e[i]} vs ${v}`));
});

test('IDM warm-up and ramp: rest scale 0 leaves the weighted inverse-dynamics loss alone, 1 every term, ½ half the others', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 16, inputSize: 16, channels: [8, 8], idmMaxGap: 2 });
  const [b, t] = [4, c.history + c.rolloutSteps];
  const run = async (rest: number) => {
    const p = initWorldModel(c, 5);
    const v = worldModelLosses(p, np.array(gaussian(b * t * 16 * 16 * 3, 1, 1, 0.2)).reshape([b, t, 16, 16, 3]).add(0.5), np.zeros([b, t, 0]),
      np.array(gaussian(b * t * 2, 1, 2)).reshape([b, t, 2]), np.zeros([c.latentDim, 8]), np.zeros([1]), np.zeros([1]), np.zeros([1]), np.zeros([1]), c,
      np.array(new Float32Array([rest])).reshape([]));
    return Array.from((await v.data()) as Float32Array);
  };
  const part = (v: number[], name: (typeof LOSS_PARTS)[number]) => v[LOSS_PARTS.indexOf(name)]!;
  const warm = await run(0), half = await run(0.5), full = await run(1);
  const idm = c.weights.idm * part(warm, 'idm');
  assert.ok(Math.abs(part(warm, 'total') - idm) < 1e-5, 'warm-up: total = w_idm · idm');
  assert.ok(part(full, 'total') > idm + 1e-3, 'after warm-up the other terms count');
  assert.ok(Math.abs(part(half, 'total') - (idm + (part(full, 'total') - idm) / 2)) < 1e-4, 'mid-ramp: half of them');
  assert.deepEqual(warm.slice(1), full.slice(1), 'the parts themselves do not depend on the phase');
  assert.deepEqual([0, 399, 400, 599, 799, 800, 5000].map((s) => restScale(s, 400, 400)), [0, 0, 1 / 400, 200 / 400, 1, 1, 1]);
  assert.deepEqual([0, 399, 400].map((s) => restScale(s, 400, 0)), [0, 0, 1], 'no ramp: a step change');
});

test('target stop-gradient: same loss and predictor gradient; the encoder loses only the gradient through the targets', async () => {
  const base = defaultWorldModelConfig({ actionDim: 2, imageSize: 16, inputSize: 16, channels: [8, 8], latent: 'map', mapChannels: 4, mapHidden: 8 });
  base.weights = { teacher: 1, rollout: 1, variance: 0, covariance: 0, sigreg: 0, idm: 0, temporal: 0 };
  const [b, t] = [3, base.history + base.rolloutSteps];
  const images = np.array(gaussian(b * t * 16 * 16 * 3, 1, 11, 0.2)).reshape([b, t, 16, 16, 3]).add(0.5);
  const actions = np.array(gaussian(b * t * 2, 1, 12)).reshape([b, t, 2]);
  const e0 = np.array(Float32Array.from(LOSS_PARTS, (_, i) => (i === 0 ? 1 : 0)));
  const flat = async (x: unknown) => (await Promise.all((tree.leaves(x as never) as ReturnType<typeof np.zeros>[]).map(async (l) => Array.from((await l.data()) as Float32Array)))).flat();
  const result = async (stop: boolean) => {
    const c = { ...base, targetStopGrad: stop };
    const objective = (q: ReturnType<typeof initWorldModel>) => worldModelLosses(q, images.ref, np.zeros([b, t, 0]), actions.ref, np.zeros([c.latentDim, 8]),
      np.zeros([1]), np.zeros([1]), np.zeros([1]), np.zeros([1]), c).mul(e0.ref).sum();
    const p = initWorldModel(c, 6);
    const value = ((await objective(tree.ref(p)).data()) as Float32Array)[0]!;
    const g = jit(grad(objective))(p);
    return { value, predictor: await flat(g.predictor), encoder: await flat([g.convs, g.proj]) };
  };
  const full = await result(false), stop = await result(true);
  assert.ok(full.value > 0 && Math.abs(full.value - stop.value) < 1e-6 * full.value, 'the forward loss is unchanged');
  const dist = (a: number[], c: number[]) => Math.hypot(...a.map((v, i) => v - c[i]!));
  const size = (a: number[]) => Math.hypot(...a);
  assert.ok(dist(full.predictor, stop.predictor) <= 1e-5 * size(full.predictor), 'the predictor learns the same');
  assert.ok(size(stop.encoder) > 1e-6, 'the encoder still learns through the predictor\'s inputs');
  assert.ok(dist(full.encoder, stop.encoder) > 0.01 * size(full.encoder), 'and no longer through the targets');
  tree.dispose([images, actions, e0]);
});

test('motion watch: warns once when the embedding stops moving after the IDM warm-up, not when it keeps moving', () => {
  const feed = (w: MotionWatch, level: (step: number) => number, upTo: number) => {
    const warnings: [number, string][] = [];
    for (let s = 1; s <= upTo; s++) { const m = w.observe(s, level(s)); if (m) warnings.push([s, m]); }
    return warnings;
  };
  // Warm-up level 1.5; afterwards 0.05 (collapsed) or 0.4 (healthy: static keypoints settle).
  const collapsed = feed(new MotionWatch({ warmup: 400 }), (s) => (s <= 400 ? 1.5 : 0.05), 1000);
  assert.equal(collapsed.length, 1, 'one warning');
  assert.equal(collapsed[0]![0], 450, 'after a full window past the warm-up');
  assert.match(collapsed[0]![1], /by step 450 .* fell to 3\.3 % /);
  assert.deepEqual(feed(new MotionWatch({ warmup: 400 }), (s) => (s <= 400 ? 1.5 : 0.4), 1000), [], 'a healthy run is not flagged');
  // A resumed run takes its reference from the logged warm-up records, and does not warn twice.
  const resumed = new MotionWatch({ warmup: 400 });
  resumed.resumeFrom([{ step: 350, temporal: 9 }, { step: 400, temporal: 1.5 }, { step: 450, temporal: 0.02 }]);
  assert.equal(resumed.reference, 1.5);
  let got: string | undefined;
  for (let s = 501; s <= 600; s++) got ??= resumed.observe(s, 0.05);
  assert.ok(got, 'a collapse after the resume is still caught');
  const done = new MotionWatch({ warmup: 400 });
  done.resumeFrom([{ step: 400, temporal: 1.5 }, { step: 520, motion_warning: 'x' }]);
  for (let s = 601; s <= 700; s++) assert.equal(done.observe(s, 0.01), undefined);
});

for (const [weighting, inputGrad, hard] of [['uniform', false, false], ['motion', false, false], ['motion', false, true], ['motion', true, false]] as const) test(`plan-rollout loss (${weighting} weighting${hard ? ', hard windows' : ''}${inputGrad ? ', input gradient' : ''}): ${inputGrad ? 'the encoder learns through the predictor\'s inputs' : 'trains the predictor only'}; no gradient reaches the keypoint readout`, async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 16, inputSize: 16, channels: [8, 8], latent: 'map', mapChannels: 4, mapHidden: 8, readout: 'keypoints', latentDim: 8, planRolloutWeighting: weighting, planRolloutInputGrad: inputGrad, planRolloutHard: hard });
  c.weights = { teacher: 0, rollout: 0, variance: 0, covariance: 0, sigreg: 0, idm: 0, temporal: 0, planRollout: 1 };
  const [b, t] = [3, c.history + c.rolloutSteps];
  const images = np.array(gaussian(b * t * 16 * 16 * 3, 1, 3, 0.2)).reshape([b, t, 16, 16, 3]).add(0.5);
  const actions = np.array(gaussian(b * t * 2, 1, 4)).reshape([b, t, 2]);
  const e0 = np.array(Float32Array.from(LOSS_PARTS, (_, i) => (i === 0 ? 1 : 0)));
  const objective = (p: ReturnType<typeof initWorldModel>) => worldModelLosses(p, images.ref, np.zeros([b, t, 0]), actions.ref, np.zeros([c.latentDim, 8]),
    np.zeros([1]), np.zeros([1]), np.zeros([1]), np.zeros([1]), c).mul(e0.ref).sum();
  const p = initWorldModel(c, 7);
  const g = jit(grad(objective))(tree.ref(p));
  const norm = async (x: unknown) => { let s = 0; for (const leaf of tree.leaves(x as never) as ReturnType<typeof np.zeros>[]) s += ((await leaf.data()) as Float32Array).reduce((a, v) => a + v * v, 0); return Math.sqrt(s); };
  assert.ok((await objective(tree.ref(p)).data() as Float32Array)[0]! > 0, 'the keypoint rollout error is positive');
  assert.ok(await norm(g.predictor) > 1e-6, 'the predictor learns from it');
  if (inputGrad) {
    assert.ok(await norm(g.convs) > 1e-6, 'the encoder learns through the history maps');
    assert.ok(await norm(g.proj) > 1e-6);
  } else {
    assert.equal(await norm(g.convs), 0, 'the encoder does not');
    assert.equal(await norm(g.proj), 0);
  }
  assert.equal(await norm(g.readout), 0, 'nor the keypoint sharpness');
  tree.dispose([p, images, actions, e0]);
});

test('plan-rollout loss with input gradients reuses the rollout loss\'s predictions: same loss parts and predictor gradient as its own rollout', async () => {
  // With input gradients the planning-embedding rollout is the rollout term's own computation and
  // is not run again; without them it runs rolloutLatents on stop-gradient inputs. The two must
  // agree on every loss value and on the predictor's gradient (only the encoder's may differ).
  const [b, K] = [3, 3];
  const run = async (inputGrad: boolean) => {
    const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 16, inputSize: 16, channels: [8, 8], latent: 'map', mapChannels: 4, mapHidden: 8, readout: 'keypoints', latentDim: 8, planRolloutWeighting: 'motion', planRolloutInputGrad: inputGrad, rolloutSteps: K });
    c.weights = { teacher: 0, rollout: 0, variance: 0, covariance: 0, sigreg: 0, idm: 0, temporal: 0, planRollout: 1 };
    const t = c.history + K;
    const images = np.array(gaussian(b * t * 16 * 16 * 3, 1, 3, 0.2)).reshape([b, t, 16, 16, 3]).add(0.5);
    const actions = np.array(gaussian(b * t * 2, 1, 4)).reshape([b, t, 2]);
    const objective = (p: ReturnType<typeof initWorldModel>) => worldModelLosses(p, images.ref, np.zeros([b, t, 0]), actions.ref, np.zeros([c.latentDim, 8]),
      np.zeros([1]), np.zeros([1]), np.zeros([1]), np.zeros([1]), c);
    const p = initWorldModel(c, 11);
    const parts = Array.from((await jit(objective)(tree.ref(p)).data()) as Float32Array);
    const e0 = np.array(Float32Array.from(LOSS_PARTS, (_, i) => (i === 0 ? 1 : 0)));
    const g = jit(grad((q: typeof p) => objective(q).mul(e0.ref).sum()))(p);
    const predictor = await Promise.all((tree.leaves(g.predictor as never) as ReturnType<typeof np.zeros>[]).map(async (l) => Array.from((await l.ref.data()) as Float32Array)));
    tree.dispose([g, images, actions, e0]);
    return { parts, predictor: predictor.flat() };
  };
  const shared = await run(true), own = await run(false);
  assert.deepEqual(shared.parts, own.parts, 'identical loss parts (teacher, rollout, plan rollout …)');
  assert.ok(shared.parts[LOSS_PARTS.indexOf('plan_rollout')]! > 0, 'the plan-rollout term is live');
  const scale = Math.max(...own.predictor.map(Math.abs));
  assert.ok(scale > 1e-4, 'the predictor gets a gradient');
  const diff = Math.max(...shared.predictor.map((v, i) => Math.abs(v - own.predictor[i]!)));
  assert.ok(diff <= 1e-5 * scale, `predictor gradients agree (max |diff| ${diff} of ${scale})`);
});

test('map reconstruction: each cell\'s channels decode linearly to its P×P grey levels; the encoder learns from it, the predictor does not', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, imageSize: 16, inputSize: 16, channels: [8, 8], patch: 2, latent: 'map', mapChannels: 3, mapHidden: 8, centerImages: true });
  c.weights = { teacher: 0, rollout: 0, variance: 0, covariance: 0, sigreg: 0, idm: 0, temporal: 0, mapRecon: 1 };
  const S = mapSize(c), P = 16 / S, C = 3, n = 2;
  assert.equal(P * S, 16);
  const px = gaussian(n * 16 * 16 * 3, 1, 8, 0.2).map((v) => v + 0.5);
  const mp = gaussian(n * S * S * C, 1, 9);
  const p = initWorldModel(c, 4);
  const w = Array.from((await p.recon!.w.ref.data()) as Float32Array), bias = Array.from((await p.recon!.b.ref.data()) as Float32Array);
  const got = ((await mapReconLoss(tree.ref(p.recon!), np.array(mp).reshape([n, S * S * C]), np.array(px).reshape([n, 16, 16, 3]), c).data()) as Float32Array)[0]!;
  // Direct: centre each image on its mean colour, ×3, average RGB to grey, compare cell by cell.
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const mean = [0, 1, 2].map((k) => { let m = 0; for (let q = 0; q < 256; q++) m += px[(i * 256 + q) * 3 + k]!; return m / 256; });
    const grey = (y: number, x: number) => [0, 1, 2].reduce((a, k) => a + 3 * (px[(i * 256 + y * 16 + x) * 3 + k]! - mean[k]!), 0) / 3;
    for (let r = 0; r < S; r++) for (let col = 0; col < S; col++) for (let dy = 0; dy < P; dy++) for (let dx = 0; dx < P; dx++) {
      const j = dy * P + dx;
      let pred = bias[j]!;
      for (let k = 0; k < C; k++) pred += mp[((i * S + r) * S + col) * C + k]! * w[k * P * P + j]!;
      sum += (pred - grey(r * P + dy, col * P + dx)) ** 2;
    }
  }
  assert.ok(Math.abs(got - sum / (n * 256)) < 1e-4 * Math.max(1, sum / (n * 256)), `${got} vs ${sum / (n * 256)}`);
  // Through the full objective: the encoder and the decoder learn, the predictor gets nothing.
  const [b, t] = [2, c.history + c.rolloutSteps];
  const images = np.array(gaussian(b * t * 16 * 16 * 3, 1, 10, 0.2)).reshape([b, t, 16, 16, 3]).add(0.5);
  const e0 = np.array(Float32Array.from(LOSS_PARTS, (_, i) => (i === 0 ? 1 : 0)));
  const objective = (q: ReturnType<typeof initWorldModel>) => worldModelLosses(q, images.ref, np.zeros([b, t, 0]), np.zeros([b, t, 2]), np.zeros([c.latentDim, 8]),
    np.zeros([1]), np.zeros([1]), np.zeros([1]), np.zeros([1]), c).mul(e0.ref).sum();
  const g = jit(grad(objective))(tree.ref(p));
  const norm = async (x: unknown) => { let v = 0; for (const leaf of tree.leaves(x as never) as ReturnType<typeof np.zeros>[]) v += ((await leaf.data()) as Float32Array).reduce((a, u) => a + u * u, 0); return Math.sqrt(v); };
  assert.ok(await norm(g.convs) > 1e-6, 'the encoder learns to show the pixels');
  assert.ok(await norm(g.recon) > 1e-6, 'the decoder learns');
  assert.equal(await norm(g.predictor), 0, 'the predictor does not');
  const parts = Array.from((await worldModelLosses(tree.ref(p), images.ref, np.zeros([b, t, 0]), np.zeros([b, t, 2]), np.zeros([c.latentDim, 8]),
    np.zeros([1]), np.zeros([1]), np.zeros([1]), np.zeros([1]), c).data()) as Float32Array);
  assert.ok(parts[LOSS_PARTS.indexOf('map_recon')]! > 0 && Math.abs(parts[0]! - parts[LOSS_PARTS.indexOf('map_recon')]!) < 1e-5, 'total = the reconstruction term alone here');
  tree.dispose([p, images, e0]);
});

test('plan-rollout hard windows: the term becomes mean(l²) / mean(l) over windows, never below the plain mean', async () => {
  const base = defaultWorldModelConfig({ actionDim: 2, imageSize: 16, inputSize: 16, channels: [8, 8], latent: 'map', mapChannels: 4, mapHidden: 8, readout: 'keypoints', latentDim: 8 });
  base.weights = { ...base.weights, planRollout: 1 };
  const [b, t] = [6, base.history + base.rolloutSteps];
  const value = async (hard: boolean) => {
    const c = { ...base, planRolloutHard: hard };
    const v = worldModelLosses(initWorldModel(c, 3), np.array(gaussian(b * t * 16 * 16 * 3, 1, 5, 0.2)).reshape([b, t, 16, 16, 3]).add(0.5), np.zeros([b, t, 0]),
      np.array(gaussian(b * t * 2, 1, 6)).reshape([b, t, 2]), np.zeros([c.latentDim, 8]), np.zeros([1]), np.zeros([1]), np.zeros([1]), np.zeros([1]), c);
    return ((await v.data()) as Float32Array)[LOSS_PARTS.indexOf('plan_rollout')]!;
  };
  const plain = await value(false), hard = await value(true);
  assert.ok(plain > 0 && hard > plain * (1 + 1e-4), `windows differ in error, so the weighted mean exceeds the plain one: ${hard} vs ${plain}`);
});

test('plan-rollout motion weights: coordinates that never move weigh 0, the rest by displacement variance, mean 1', async () => {
  // 4 windows, 2 steps, 3 coordinates: coordinate 0 is static, 1 moves ±1, 2 moves ±2 (variance 4×).
  const start = np.array(new Float32Array([0.5, 0, 0, 0.5, 1, 1, 0.5, 2, 2, 0.5, 3, 3])).reshape([4, 3]);
  const step = [1, -1, 1, -1];
  const next = np.array(Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => {
    const w = Math.floor(i / 6), k = Math.floor(i / 3) % 2, j = i % 3;
    return j === 0 ? 0.5 : w + j * step[w]! * (k + 1);
  })).reshape([4, 2, 3]);
  const wts = Array.from((await motionWeights(start, next).data()) as Float32Array);
  assert.ok(Math.abs(wts[0]!) < 1e-6, `static coordinate weight ${wts[0]}`);
  assert.ok(Math.abs(wts[2]! / wts[1]! - 4) < 1e-4, `twice the motion, four times the weight: ${wts}`);
  assert.ok(Math.abs(wts.reduce((a, v) => a + v, 0) / 3 - 1) < 1e-5, 'mean weight 1');
});

test('frame skip: model frames every F-th dataset frame, each action the mean of the F it spans', () => {
  const B = 2, W = 7, F = 3, A = 2, S = 1; // 7 frames → model frames 0, 3, 6
  const b = {
    batch: B, window: W, task: ['t', 't'], episode: Int32Array.from([0, 1]), start: Int32Array.from([0, 5]),
    images: { cam: Uint8Array.from({ length: B * W * 3 }, (_, i) => Math.floor(i / 3)) }, // pixel value = frame row
    state: Float32Array.from({ length: B * W * S }, (_, i) => 100 + i),
    action: Float32Array.from({ length: B * W * A }, (_, i) => Math.floor(i / A) * (i % A === 0 ? 1 : -1)),
  };
  const m = skipFrames(b, F);
  assert.equal(m.window, 3);
  assert.deepEqual(Array.from(m.images.cam!).filter((_, i) => i % 3 === 0), [0, 3, 6, 7, 10, 13]);
  assert.deepEqual(Array.from(m.state), [100, 103, 106, 107, 110, 113]);
  // Window 0: actions of frames 0–2 (mean 1), 3–5 (mean 4), then frame 6's own; window 1 is frames 7–13.
  assert.deepEqual(Array.from(m.action), [1, -1, 4, -4, 6, -6, 8, -8, 11, -11, 13, -13]);
  assert.equal(skipFrames(b, 1), b, 'F = 1: unchanged');
});

test('planner with a frame-skip model: chunks of F by default, and a chunk must be a multiple of F', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, stateDim: 4, imageSize: 16, inputSize: 16, channels: [8, 8], frameSkip: 3 });
  const planner = new LatentPlanner(initWorldModel(c, 2), c, { horizon: 9, samples: 8, iterations: 1 });
  assert.equal(planner.config.chunk, 3);
  assert.equal(planner.decisions, 3);
  const rgb = (v: number) => new Uint8Array(16 * 16 * 3).fill(v);
  planner.reset(planner.embed(rgb(200), [0.5, 0.5, 0, 0]), 1);
  const acts: number[][] = [];
  for (let t = 0; t < 6; t++) acts.push(Array.from(planner.act(planner.embed(rgb(20 + 10 * t), [0.1 * t, 0, 0, 0]))));
  assert.deepEqual(acts[2], acts[0], 'one action held for the frame skip');
  assert.equal(planner.rollouts, 2 * 8, 'replanned at steps 0 and 3');
  assert.throws(() => new LatentPlanner(initWorldModel(c, 2), c, { chunk: 2 }), /not a multiple of the world model's frame skip 3/);
  planner.dispose();
});

test('planner: a chunked plan holds each action for its chunk and replans only between chunks', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, stateDim: 4, imageSize: 16, inputSize: 16, channels: [8, 8] });
  const params = initWorldModel(c, 2);
  const planner = new LatentPlanner(params, c, { horizon: 6, chunk: 3, samples: 16, iterations: 2, energy: 'min' });
  assert.equal(planner.decisions, 2);
  const rgb = (v: number) => new Uint8Array(16 * 16 * 3).fill(v);
  planner.reset(planner.embed(rgb(200), [0.5, 0.5, 0, 0]), 7);
  const acts: number[][] = [];
  for (let t = 0; t < 7; t++) acts.push(Array.from(planner.act(planner.embed(rgb(20 + 10 * t), [0.1 * t, 0, 0, 0]))));
  assert.deepEqual(acts[1], acts[0]);
  assert.deepEqual(acts[2], acts[0]);
  assert.deepEqual(acts[4], acts[3]);
  assert.equal(planner.rollouts, 3 * 16 * 2, 'one optimisation at steps 0, 3 and 6');
  for (const a of acts) for (const v of a) assert.ok(Math.abs(v) <= 1);
  assert.throws(() => new LatentPlanner(initWorldModel(c, 2), c, { chunk: 0 }), /chunk must be a whole number/);
  planner.dispose();
});

test('ensemble energies: each member divided by its standing-still energy, then the worst member or the mean', () => {
  // Two plans and, last, standing still. A: 1 and 4 of its 2 → 0.5, 2; B: 6 and 1 of its 2 → 3, 0.5.
  const a = Float32Array.from([1, 4, 2]), b = Float32Array.from([6, 1, 2]);
  assert.deepEqual(Array.from(combineEnergies([a, b], 'max')), [3, 2]);
  assert.deepEqual(Array.from(combineEnergies([a, b], 'mean')), [1.75, 1.25]);
  // A plan only one member likes loses to one both find acceptable under max, not under mean.
  // liked: 0.05 and 0.6; doubted: 1.05 and 0.6 → max 1.05 vs 0.6 (plan 1 wins), mean 0.55 vs 0.6 (plan 0 wins).
  const liked = Float32Array.from([0.05, 0.6, 1]), doubted = Float32Array.from([1.05, 0.6, 1]);
  const max = combineEnergies([liked, doubted], 'max'), mean = combineEnergies([liked, doubted], 'mean');
  assert.ok(max[1]! < max[0]!, `max ${Array.from(max)}`);
  assert.ok(mean[0]! < mean[1]!, `mean ${Array.from(mean)}`);
  // Scale-free: a member whose embedding is 10× larger counts the same.
  assert.deepEqual(Array.from(combineEnergies([a, Float32Array.from([60, 10, 20])], 'max')), [3, 2]);
  assert.throws(() => combineEnergies([a, Float32Array.from([1, 2])], 'max'), /member 1 scored 1 plans, member 0 2/);
});

test('planner ensemble: two copies of one model act as that model; members must share action size and frame skip', async () => {
  const c = defaultWorldModelConfig({ actionDim: 2, stateDim: 4, imageSize: 16, inputSize: 16, channels: [8, 8] });
  const params = initWorldModel(c, 3);
  const cfg = { horizon: 4, samples: 12, iterations: 2, energy: 'min' as const };
  const single = new LatentPlanner(tree.map((x: ReturnType<typeof np.zeros>) => x.ref, params), c, cfg);
  const pair = LatentPlanner.ensemble([{ params: tree.map((x: ReturnType<typeof np.zeros>) => x.ref, params), config: c }, { params, config: c }], cfg);
  assert.equal(pair.size, 2);
  const rgb = (v: number) => new Uint8Array(16 * 16 * 3).fill(v);
  single.resetToGoalFrame(rgb(200), [0.5, 0.5, 0, 0], 5);
  pair.resetToGoalFrame(rgb(200), [0.5, 0.5, 0, 0], 5);
  for (let t = 0; t < 3; t++) {
    const a = single.actOnFrame(rgb(20 + 10 * t), [0.1 * t, 0, 0, 0]), b = pair.actOnFrame(rgb(20 + 10 * t), [0.1 * t, 0, 0, 0]);
    // Normalising by the standing-still energy rescales one model's energies: same ranking, same plan.
    for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j]! - b[j]!) < 1e-6, `step ${t}: ${Array.from(a)} vs ${Array.from(b)}`);
  }
  assert.ok(pair.flops > single.flops * 1.9, 'an ensemble of two spends twice the FLOPs');
  assert.throws(() => pair.act(new Float32Array(c.latentDim)), /an ensemble of 2 models takes frames/);
  single.dispose();
  pair.dispose();
  const skip = defaultWorldModelConfig({ actionDim: 2, stateDim: 4, imageSize: 16, inputSize: 16, channels: [8, 8], frameSkip: 2 });
  assert.throws(() => LatentPlanner.ensemble([{ params: initWorldModel(c, 1), config: c }, { params: initWorldModel(skip, 1), config: skip }]), /do not match \(frame skip 2 vs 1\)/);
  const act3 = defaultWorldModelConfig({ actionDim: 3, stateDim: 4, imageSize: 16, inputSize: 16, channels: [8, 8] });
  assert.throws(() => LatentPlanner.ensemble([{ params: initWorldModel(c, 1), config: c }, { params: initWorldModel(act3, 1), config: act3 }]), /do not match \(3-D vs 2-D actions\)/);
});

test('evaluation linear algebra: eigenvalues, effective rank, linear probe', () => {
  const ev = symmetricEigenvalues(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
  [5, 3, 1].forEach((v, i) => assert.ok(Math.abs(ev[i]! - v) < 1e-9));
  const iso = gaussian(4000, 4, 3);
  assert.ok(Math.abs(effectiveRank(iso, 4000, 4) - 4) < 0.1);
  const line = Float32Array.from({ length: 4000 * 4 }, (_, i) => Math.floor(i / 4) * (i % 4 === 0 ? 1 : 0));
  assert.ok(effectiveRank(line, 4000, 4) < 1.01);
  // y = 2 x0 - x1 + 3 is recovered exactly; a random target is not.
  const x = gaussian(200, 3, 4);
  const y = Float32Array.from({ length: 200 }, (_, r) => 2 * x[r * 3]! - x[r * 3 + 1]! + 3);
  const rows = Array.from({ length: 200 }, (_, r) => r);
  assert.ok(linearProbeR2(x, y, 3, 1, rows.slice(0, 100), rows.slice(100), 1e-6)[0]! > 0.999);
  assert.ok(linearProbeR2(x, gaussian(200, 1, 5), 3, 1, rows.slice(0, 100), rows.slice(100))[0]! < 0.1);
  const pooled = poolFrames(Uint8Array.from([0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]), 1, 2, 1);
  assert.deepEqual(Array.from(pooled), [0.5, 0.5, 0.5]);
});

function umweltEnv(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const umwelt = (...args: string[]) => umweltEnv({}, ...args);

test('train world-model on 2 Wasm threads: same losses as 1 thread, and the ledger counts 2 cores', async () => {
  const data = join(tmp, 'data-threads');
  await collectDataset({ world: 'two-room', policy: 'noisy-expert', split: 'train', seed: 3, episodes: 4, out: data, workers: 1 });
  const runs: Record<string, { losses: number[]; units: number; cost: number; seconds: number }> = {};
  for (const threads of ['1', '2']) {
    const run = join(tmp, `run-threads-${threads}`);
    const r = umweltEnv({ UMWELT_WASM_THREADS: threads }, 'train', 'world-model', '--data', data, '--out', run, '--steps', '3', '--batch', '4', '--seed', '5', '--json');
    assert.equal(r.code, 0, r.stderr);
    const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { total?: number });
    const entry = JSON.parse(readFileSync(join(run, 'ledger.json'), 'utf8')).entries[0] as { units: number; cost_usd: number; seconds: number };
    runs[threads] = { losses: metrics.flatMap((m) => (m.total === undefined ? [] : [m.total])), units: entry.units, cost: entry.cost_usd, seconds: entry.seconds };
  }
  assert.equal(runs['1']!.losses.length, 3, `one loss per step: ${JSON.stringify(runs['1'])}`);
  assert.deepEqual(runs['2']!.losses, runs['1']!.losses, 'threads change where kernels run, not what they compute');
  assert.equal(runs['1']!.units, 1, 'single-threaded training is one core');
  assert.equal(runs['2']!.units, 2, 'two Wasm threads are two cores in the cost');
  // Cost is core-seconds: two cores for the same seconds cost twice as much.
  assert.ok(Math.abs(runs['2']!.cost / runs['2']!.seconds - 2 * runs['1']!.cost / runs['1']!.seconds) < 1e-12, JSON.stringify(runs));
});

test('train world-model → resume → eval world-model → plan: end to end on a small dataset', async () => {
  const data = join(tmp, 'data');
  await collectDataset({ world: 'two-room', policy: 'noisy-expert', split: 'train', seed: 0, episodes: 8, out: data, workers: 1 });
  const run = join(tmp, 'run');
  let r = umwelt('train', 'world-model', '--data', data, '--out', run, '--steps', '6', '--batch', '4', '--proprio', '--reach-time', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).steps, 6);
  for (const f of ['config.json', 'metrics.jsonl', 'checkpoints/last.safetensors', 'ledger.json']) assert.ok(existsSync(join(run, f)), f);
  const ledger = JSON.parse(readFileSync(join(run, 'ledger.json'), 'utf8'));
  assert.ok(ledger.totals.flops > 0 && ledger.totals.cost_usd > 0);
  // Re-running with more steps resumes from the checkpoint (step 6), not from scratch.
  r = umwelt('train', 'world-model', '--data', data, '--out', run, '--steps', '8', '--batch', '4', '--json');
  assert.equal(r.code, 0, r.stderr);
  const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const last = metrics[metrics.length - 1];
  const ledger2 = JSON.parse(readFileSync(join(run, 'ledger.json'), 'utf8'));
  assert.equal(ledger2.entries.length, 2, 'the resumed run keeps the first run\'s ledger entry');
  assert.ok(ledger2.entries[1].flops < ledger2.entries[0].flops, 'the resumed run counts only its own 2 steps');
  assert.equal(last.step, 8);
  assert.ok(Number.isFinite(last.total) && Number.isFinite(last.effective_rank));
  assert.ok(last.reach_time > 0, 'the time-to-reach loss is trained');
  // A resume keeps the run's own settings: the extended length is saved, a contradicting flag is refused.
  assert.equal(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).training.steps, 8);
  r = umwelt('train', 'world-model', '--data', data, '--out', run, '--batch', '8');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --batch 8 differs from .*'s 4 \(config.json\); a resumed run keeps its settings\nhint: drop --batch to resume/);
  r = umwelt('train', 'world-model', '--data', data, '--out', run, '--hue-jitter', '20');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --hue-jitter 20 differs from .*'s 0 \(config.json\)/);
  r = umwelt('train', 'world-model', '--data', data, '--out', run, '--shift-jitter', '3');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --shift-jitter 3 differs from .*'s 0 \(config.json\)/);
  r = umwelt('train', 'world-model', '--data', data, '--out', run, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).steps, 8, 'resumed without flags: the run is already at its saved 8 steps');
  // A rollout curriculum: the resumed run trains a longer rollout loss from its checkpoint on.
  r = umwelt('train', 'world-model', '--data', data, '--out', run, '--steps', '9', '--rollout-steps', '4', '--json');
  assert.equal(r.code, 0, r.stderr);
  const curriculum = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  assert.equal(curriculum.model.rolloutSteps, 4, 'the new rollout length is saved for later resumes');
  assert.deepEqual(curriculum.training.rollout_schedule, [{ from: 0, steps: 3 }, { from: 8, steps: 4 }]);
  assert.equal(curriculum.training.steps, 9);

  r = umwelt('eval', 'world-model', run, '--data', data, '--json');
  assert.equal(r.code, 0, r.stderr);
  const ev = JSON.parse(r.stdout);
  assert.ok(ev.k_step['1'].ratio > 0);
  assert.deepEqual(ev.probe.targets, ['agent_x', 'agent_y']);
  assert.ok(ev.effective_rank > 0 && ev.effective_rank <= 32);
  assert.deepEqual(Object.keys(ev.probe.motion_ratio_k).sort(), Object.keys(ev.probe.r2_predicted_k).sort());
  assert.ok(Object.values(ev.probe.motion_ratio_k).every((v) => Number.isFinite(v)), JSON.stringify(ev.probe));
  // A predictor that predicts "nothing changes" (residual output zeroed): every rollout is the
  // last latent, so the decoded prediction does not move at all — motion ratio 0 at every k.
  const wm = loadWorldModel(run);
  wm.params.predictor = tree.map((x: ReturnType<typeof np.zeros>) => np.zerosLike(x), wm.params.predictor);
  const still = await evalWorldModel(wm.params, wm.config, await openDataset(data));
  assert.ok(Object.keys(still.probe.motion_ratio_k).length > 0);
  for (const [k, v] of Object.entries(still.probe.motion_ratio_k)) assert.ok(Math.abs(v) < 1e-5, `k=${k}: ${v}`);
  assert.ok(still.k_step['1']!.ratio > 0.99 && still.k_step['1']!.ratio < 1.01, 'copy-last predictor: ratio 1');

  r = umwelt('plan', '--world-model', run, '--world', 'two-room', '--split', 'heldout', '--episodes', '2', '--horizon', '3', '--samples', '16', '--iterations', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  for (const k of ['world', 'split', 'episodes', 'success_rate', 'ci95', 'mean_episode_steps', 'throughput_per_hour', 'seconds_per_action', 'seeds', 'compute']) assert.ok(k in plan, k);
  assert.equal(plan.episodes, 2);
  assert.ok(plan.compute.flops > 0);
  assert.deepEqual(Object.keys(plan.baselines).sort(), ['oracle', 'random']);
  assert.equal(plan.baselines.oracle.success_rate, 1);
  assert.equal(plan.planner.energy, 'reach-time', 'a model with a time-to-reach head plans with it by default');
  assert.deepEqual(plan.per_episode.map((e: { seed: number }) => e.seed), plan.seeds, 'one row per planner episode');
  assert.equal(plan.per_episode.filter((e: { success: boolean }) => e.success).length, plan.successes);
  // Where each episode ended: two-room's state (x, y, vx, vy), the agent inside the arena.
  for (const e of plan.per_episode as { final_state: number[] }[]) {
    assert.equal(e.final_state.length, 4);
    assert.ok(e.final_state.slice(0, 2).every((v) => Math.abs(v) < 1), JSON.stringify(e.final_state));
  }

  // A model without the head: plain embedding distance, and a one-line error when asked for it.
  const run2 = join(tmp, 'run-plain');
  r = umwelt('train', 'world-model', '--data', data, '--out', run2, '--steps', '2', '--batch', '4', '--json');
  assert.equal(r.code, 0, r.stderr);
  // --shift-jitter-from: no shift before that step (the same bytes as no jitter), shifts from it on.
  const ckpt = (dir: string) => readFileSync(join(dir, 'checkpoints/last.safetensors'));
  const runLate = join(tmp, 'run-shift-late'), runNow = join(tmp, 'run-shift-now');
  r = umwelt('train', 'world-model', '--data', data, '--out', runLate, '--steps', '2', '--batch', '4', '--shift-jitter', '2', '--shift-jitter-from', '5', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(runLate, 'config.json'), 'utf8')).training.shift_jitter_from, 5);
  r = umwelt('train', 'world-model', '--data', data, '--out', runNow, '--steps', '2', '--batch', '4', '--shift-jitter', '2', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(ckpt(runLate).equals(ckpt(run2)), 'steps before --shift-jitter-from train on unshifted frames');
  assert.ok(!ckpt(runNow).equals(ckpt(run2)), 'shifted frames change training');
  r = umwelt('plan', '--world-model', run2, '--world', 'two-room', '--episodes', '1', '--horizon', '2', '--samples', '8', '--iterations', '1', '--energy', 'reach-time');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --energy reach-time needs a world model trained with a time-to-reach head/);
  assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('hint')).length, 1, r.stderr);

  // Spatial latents: train (stopped by --time-limit, then resumed), eval, plan with the readout embedding.
  const run3 = join(tmp, 'run-map');
  r = umwelt('train', 'world-model', '--data', data, '--out', run3, '--latent', 'map', '--steps', '500', '--batch', '4', '--time-limit', '0.5', '--json');
  assert.equal(r.code, 0, r.stderr);
  const stopped = JSON.parse(r.stdout);
  assert.ok(stopped.stoppedEarly && stopped.steps >= 1 && stopped.steps < 500, r.stdout);
  assert.ok(existsSync(join(run3, 'checkpoints/last.safetensors')), 'a time-limited run is checkpointed');
  r = umwelt('train', 'world-model', '--data', data, '--out', run3, '--steps', String(stopped.steps + 2), '--batch', '4', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).steps, stopped.steps + 2, 'resumed from the time-limited checkpoint');
  const cfg = JSON.parse(readFileSync(join(run3, 'config.json'), 'utf8')).model;
  assert.equal(cfg.latent, 'map');
  r = umwelt('eval', 'world-model', run3, '--data', data, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).latent_dim, cfg.latentDim, 'metrics are on the planning embedding');
  r = umwelt('plan', '--world-model', run3, '--world', 'two-room', '--episodes', '1', '--horizon', '2', '--samples', '8', '--iterations', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).episodes, 1);
  // Keypoint readout, centred images, multi-step inverse dynamics; a chunked plan with the min energy.
  const run4 = join(tmp, 'run-kp');
  r = umwelt('train', 'world-model', '--data', data, '--out', run4, '--latent', 'map', '--readout', 'keypoints', '--center-images', '--idm-gap', '3', '--idm-warmup', '1', '--idm-ramp', '3', '--target-stopgrad', '--rollout-steps', '4', '--oversample-stalls', '3', '--hue-jitter', '30', '--shift-jitter', '2', '--encoder-kernel', '4', '--variance', '2', '--covariance', '0.4', '--steps', '2', '--batch', '4', '--json');
  assert.equal(r.code, 0, r.stderr);
  const cfg4all = JSON.parse(readFileSync(join(run4, 'config.json'), 'utf8')), cfg4 = cfg4all.model;
  assert.equal(cfg4all.training.stall_oversample.copies, 3);
  assert.equal(cfg4all.training.hue_jitter, 30);
  assert.equal(cfg4all.training.shift_jitter, 2);
  assert.ok(cfg4all.training.stall_oversample.stalled_windows >= 0 && cfg4all.training.stall_oversample.stalled_windows <= 1);
  assert.deepEqual([cfg4.readout, cfg4.centerImages, cfg4.idmMaxGap, cfg4.idmWarmup, cfg4.idmRamp, cfg4.targetStopGrad, cfg4.rolloutSteps, cfg4.latentDim, cfg4.encoderKernel, cfg4.weights.variance, cfg4.weights.covariance], ['keypoints', true, 3, 1, 3, true, 4, 32, 4, 2, 0.4]);
  const m4 = readFileSync(join(run4, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(m4.every((m) => Number.isFinite(m.total) && m.idm > 0), 'finite losses, inverse dynamics trained');
  // Test-time adaptation from the CLI: two gradient steps per replan, recorded in the planner config.
  r = umwelt('plan', '--world-model', run4, '--world', 'two-room', '--episodes', '1', '--horizon', '4', '--chunk', '2', '--energy', 'min', '--samples', '8', '--iterations', '1', '--adapt', '2', '--adapt-lr', '1e-3', '--revisit', '0.1', '--revisit-surprise', '--no-baselines', '--json');
  assert.equal(r.code, 0, r.stderr);
  const p4 = JSON.parse(r.stdout);
  assert.deepEqual([p4.planner.chunk, p4.planner.energy, p4.planner.adapt.steps, p4.planner.adapt.lr], [2, 'min', 2, 1e-3]);
  assert.deepEqual(p4.planner.revisit, { weight: 0.1, width: 0.75, surprise: true }, 'the revisit cost is recorded with its default width');
  r = umwelt('plan', '--world-model', run4, '--world', 'two-room', '--episodes', '1', '--revisit-width', '0.5', '--no-baselines');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --revisit-width needs --revisit W/);
  r = umwelt('plan', '--world-model', run4, '--world', 'two-room', '--episodes', '1', '--adapt-lr', '1e-3', '--no-baselines');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --adapt-lr needs --adapt N/);
  r = umwelt('plan', '--world-model', run4, '--world', 'two-room', '--episodes', '1', '--adapt', '1', '--adapt-lr', '0', '--no-baselines');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --adapt-lr must be a number > 0, got '0'/);
  // Frame skip with the full plan-rollout recipe: config, eval in model steps, plans chunked by F.
  const run5 = join(tmp, 'run-skip');
  r = umwelt('train', 'world-model', '--data', data, '--out', run5, '--latent', 'map', '--readout', 'keypoints', '--frame-skip', '2', '--map-hidden', '16', '--map-size', '16', '--map-transport', '1', '--plan-rollout', '1', '--plan-rollout-weighting', 'motion', '--plan-rollout-input-grad', '--map-recon', '0.5', '--steps', '2', '--batch', '4', '--json');
  assert.equal(r.code, 0, r.stderr);
  const cfg5 = JSON.parse(readFileSync(join(run5, 'config.json'), 'utf8')).model;
  assert.deepEqual([cfg5.frameSkip, cfg5.mapHidden, cfg5.mapTransport, cfg5.strides, cfg5.planRolloutWeighting, cfg5.planRolloutInputGrad, cfg5.weights.planRollout, cfg5.weights.mapRecon], [2, 16, 1, [1], 'motion', true, 1, 0.5]);
  assert.ok(readFileSync(join(run5, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => 'total' in m).every((m: { map_recon: number }) => m.map_recon > 0), 'the reconstruction term is logged');
  r = umwelt('eval', 'world-model', run5, '--data', data, '--json');
  assert.equal(r.code, 0, r.stderr);
  const e5 = JSON.parse(r.stdout);
  assert.equal(e5.frame_skip, 2);
  assert.ok(e5.k_step['1'].windows > 0 && e5.k_step['1'].windows < e5.frames, 'k counts model steps of 2 frames');
  r = umwelt('plan', '--world-model', run5, '--world', 'two-room', '--episodes', '1', '--horizon', '4', '--samples', '8', '--iterations', '1', '--no-baselines', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).planner.chunk, 2, 'a frame-skip model plans in chunks of its frame skip by default');
  r = umwelt('plan', '--world-model', run5, '--world', 'two-room', '--episodes', '1', '--chunk', '3', '--no-baselines');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: planner chunk 3 is not a multiple of the world model's frame skip 2/);
  // An ensemble of two runs: each plan scored by both; members listed; mismatched runs and a lone --ensemble refused.
  r = umwelt('plan', '--world-model', `${run3},${run4}`, '--world', 'two-room', '--episodes', '1', '--horizon', '2', '--samples', '8', '--iterations', '1', '--ensemble', 'mean', '--no-baselines', '--json');
  assert.equal(r.code, 0, r.stderr);
  const pe = JSON.parse(r.stdout);
  assert.deepEqual(pe.world_model.members.map((m: { run: string }) => m.run), [run3, run4]);
  assert.equal(pe.planner.ensemble, 'mean');
  assert.equal(pe.policy, 'jepa-cem-ensemble2');
  assert.ok(pe.compute.flops > 0);
  r = umwelt('plan', '--world-model', `${run4},${run5}`, '--world', 'two-room', '--episodes', '1', '--no-baselines');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: the ensemble's world models do not match \(frame skip 2 vs 1\)/);
  r = umwelt('plan', '--world-model', run4, '--world', 'two-room', '--episodes', '1', '--ensemble', 'max', '--no-baselines');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --ensemble needs several world models/);
  for (const [args, msg] of [[['--readout', 'keypoints'], /^error: --readout keypoints needs --latent map/], [['--latent', 'map', '--proprio'], /^error: --proprio cannot be combined with --latent map/], [['--latent', 'grid'], /^error: unknown latent kind 'grid'/], [['--time-limit', '0'], /^error: unknown time limit '0'/],
    [['--latent', 'map', '--readout', 'keypoints', '--plan-rollout-weighting', 'motion'], /^error: --plan-rollout-weighting needs --plan-rollout W/],
    [['--latent', 'map', '--readout', 'keypoints', '--plan-rollout-input-grad'], /^error: --plan-rollout-input-grad needs --plan-rollout W/],
    [['--latent', 'map', '--readout', 'keypoints', '--plan-rollout-hard'], /^error: --plan-rollout-hard needs --plan-rollout W/],
    [['--map-hidden', '64'], /^error: --map-hidden needs --latent map/], [['--map-transport', '1'], /^error: --map-transport needs --latent map/], [['--map-size', '16'], /^error: --map-size needs --latent map/],
    [['--latent', 'map', '--map-size', '12'], /^error: --map-size 12 is not available for 64-px images\nhint: use 8 or 16/], [['--plan-rollout-weighting', 'loud'], /^error: unknown plan-rollout weighting 'loud'/],
    [['--hue-jitter', '200'], /^error: --hue-jitter 200 is not an angle in degrees from 0 to 180/],
    [['--shift-jitter-from', '400'], /^error: --shift-jitter-from needs --shift-jitter PX/],
    [['--map-recon', '1'], /^error: --map-recon needs --latent map/], [['--covariance', '-1'], /^error: --covariance must be a number ≥ 0, got '-1'/], [['--idm', 'x'], /^error: --idm must be a number ≥ 0, got 'x'/], [['--latent', 'map', '--map-recon', 'x'], /^error: --map-recon must be a number ≥ 0, got 'x'/],
    [['--encoder-kernel', '5'], /^error: unknown encoder kernel '5'/], [['--latent', 'map', '--map-size', '16', '--encoder-kernel', '4'], /^error: --encoder-kernel 4 needs stride-2 encoder convs, which --map-size 16 replaces/],
    [['--shift-jitter', '40'], /^error: --shift-jitter 40 would move \d+-px frames by more than a quarter of their width\nhint: use at most/]] as const) {
    r = umwelt('train', 'world-model', '--data', data, '--out', join(tmp, 'r-bad'), '--steps', '1', ...args);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, msg);
  }

  const bad = umwelt('plan', '--world-model', join(tmp, 'nope'), '--world', 'two-room');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /^error: .*not a world-model run/);
  const noData = umwelt('train', 'world-model', '--data', join(tmp, 'missing'), '--out', join(tmp, 'r2'));
  assert.match(noData.stderr, /^error: dataset folder not found/);
});
