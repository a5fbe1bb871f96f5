import { test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../src/nn/polyfills.ts';
import { defaultDevice, jit, numpy as np, tree, valueAndGrad, type JsTree } from '@jax-js/jax';
import { startBackends } from '../src/nn/runtime.ts';
import {
  attention, conv2d, embed, initAttention, initConv2d, initEmbedding, initLayerNorm, initLinear, initMLP,
  initResidualMLP, initTransformerBlock, layerNorm, linear, maskBias, mlp, residualMLP, transformerBlock,
  conv2dFlops, convOutSize, linearFlops, sinusoidal,
} from '../src/nn/layers.ts';
import { initArray } from '../src/nn/init.ts';
import { adamwUpdate, emaUpdate, initAdam, learningRate } from '../src/nn/optim.ts';
import { Trainer } from '../src/nn/trainer.ts';
import { decodeCheckpoint, fromNamed, namedLeaves, restoreTree } from '../src/nn/checkpoint.ts';
import { loadCheckpoint, saveCheckpoint } from '../src/node/checkpoint.ts';
import { ComputeLedger } from '../src/ledger/ledger.ts';
import { InputError } from '../src/errors.ts';
import { initWorldModel, predict } from '../src/models/worldmodel/model.ts';
import { defaultWorldModelConfig } from '../src/models/worldmodel/config.ts';
import { Rng } from '../src/rng.ts';

type A = np.Array;
const F64 = np.float64;
await startBackends();
defaultDevice('wasm');

function hostData(a: A): Float64Array {
  return Float64Array.from(a.ref.dataSync() as ArrayLike<number>);
}

/**
 * Compares valueAndGrad against central finite differences in float64 at a few random
 * coordinates of every parameter. The loss is Σ f(p, x) ⊙ R with a fixed random R.
 */
async function gradCheck<P extends JsTree<A>>(name: string, params: P, f: (p: P, x: A) => A, x: A, tol = 1e-5) {
  const out = f(tree.ref(params), x.ref);
  const r = initArray(99, `${name}.R`, out.shape, { normal: 1 }, F64);
  out.dispose();
  const loss = (p: P, xx: A, rr: A) => f(p, xx).mul(rr).sum();
  const lossJit = jit(loss);
  const [, grads] = valueAndGrad(loss)(tree.ref(params) as never, x.ref, r.ref) as [A, P];
  const leaves = namedLeaves(params);
  const gleaves = new Map(namedLeaves(grads).map(([n, g]) => [n, hostData(g)]));
  const rng = new Rng(7, name);
  // jax-js float64 tanh/exp are only accurate to ~1e-8 and worse, so a tiny step amplifies that
  // noise (≈ error/h). A larger step with Richardson extrapolation of central differences keeps
  // the truncation error O(h⁴) and the noise small.
  const h = 2e-2;
  for (const [leafName, leaf] of leaves) {
    const base = hostData(leaf);
    const g = gleaves.get(leafName)!;
    for (let k = 0; k < 4; k++) {
      const i = rng.int(base.length);
      const at = (delta: number) => {
        const d = Float64Array.from(base);
        d[i]! += delta;
        const p2 = fromNamed(params, (n, a) => (n === leafName ? np.array(d).reshape(leaf.shape) : a.ref));
        return (lossJit(p2 as never, x.ref, r.ref).dataSync() as Float64Array)[0]!;
      };
      const central = (step: number) => (at(step) - at(-step)) / (2 * step);
      const numeric = (4 * central(h / 2) - central(h)) / 3;
      const analytic = g[i]!;
      const err = Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic));
      assert.ok(err < tol, `${name}: d/d${leafName}[${i}] analytic ${analytic} vs numeric ${numeric} (rel ${err.toExponential(2)})`);
    }
  }
  tree.dispose(grads);
  tree.dispose(params);
  x.dispose();
  r.dispose();
}

test('gradients of every module match finite differences (float64)', async () => {
  const x = (shape: number[], s = 1) => initArray(s, `x${shape}`, shape, { normal: 1 }, F64);
  await gradCheck('linear', initLinear(1, 'lin', 5, 3, 'lecun', F64), linear, x([4, 5]));
  await gradCheck('mlp', initMLP(2, 'mlp', [4, 6, 3], 'tanh', F64), (p, xx) => mlp(p, xx, 'tanh'), x([3, 4]));
  await gradCheck('layernorm', { ...initLayerNorm(3, 'ln', 6, F64), g: initArray(3, 'g', [6], { normal: 1 }, F64) }, layerNorm, x([2, 6]));
  await gradCheck('residual', initResidualMLP(4, 'res', 6, 8, F64), residualMLP, x([2, 6]), 1e-4);
  const conv = { inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 1 };
  await gradCheck('conv2d', initConv2d(5, 'conv', conv, F64), (p, xx) => conv2d(p, xx, conv), x([2, 6, 6, 2]));
  const conv1 = { inChannels: 2, outChannels: 2, kernel: 2, stride: 1, padding: 0 };
  await gradCheck('conv2d-s1', initConv2d(6, 'conv1', conv1, F64), (p, xx) => conv2d(p, xx, conv1), x([1, 4, 4, 2]));
  await gradCheck('attention-causal', initAttention(7, 'attn', 8, F64), (p, xx) => attention(p, xx, 2, maskBias(4, 'causal', F64)), x([2, 4, 8]), 1e-4);
  await gradCheck('transformer-blockcausal', initTransformerBlock(8, 'tb', 8, 16, F64), (p, xx) => transformerBlock(p, xx, 2, maskBias(4, { blockCausal: 2 }, F64)), x([1, 4, 8]), 1e-4);
  const conv4 = { inChannels: 2, outChannels: 2, kernel: 4, stride: 2, padding: 1 };
  await gradCheck('conv2d-k4s2', initConv2d(13, 'conv4', conv4, F64), (p, xx) => conv2d(p, xx, conv4), x([1, 6, 6, 2]));
  const patch = { inChannels: 3, outChannels: 4, kernel: 2, stride: 2, padding: 0 };
  await gradCheck('conv2d-patch', initConv2d(10, 'patch', patch, F64), (p, xx) => conv2d(p, xx, patch), x([2, 4, 4, 3]));
  // The transport map predictor (softmax over offsets, sigmoid gates, shifted copies of the last map).
  const tc = defaultWorldModelConfig({ actionDim: 2, imageSize: 16, inputSize: 16, patch: 4, channels: [4, 4], latent: 'map', mapChannels: 2, mapHidden: 4, mapTransport: 1 });
  // Only its last conv is perturbed: finite steps across the hidden ReLUs' kinks would dominate.
  const [c0, c1, cLast] = (tree.map((a: A) => a.astype(F64), initWorldModel(tc, 11).predictor) as { convs: { w: A; b: A }[] }).convs as [{ w: A; b: A }, { w: A; b: A }, { w: A; b: A }];
  const tact = initArray(12, 'tact', [2, 2], { normal: 1 }, F64);
  await gradCheck('map-transport', cLast, (p, xx) => predict({ convs: [tree.ref(c0), tree.ref(c1), p] }, xx, tact.ref, tc), x([2, 2, 2 * 2 * 2]), 1e-4);
  tree.dispose([c0, c1, tact]);
  const ids = np.array(new Int32Array([1, 3, 3, 0]));
  await gradCheck('embedding', initEmbedding(9, 'emb', 5, 3, F64), (p) => embed(p, ids.ref), x([1]));
});

test('conv2d equals a direct convolution (kernels 3 and 4, strides 1 and 2, zero padding)', async () => {
  const [n, h, w, ci, co] = [2, 8, 6, 3, 5];
  const rng = new Rng(21, 'conv-direct');
  const xs = Float32Array.from({ length: n * h * w * ci }, () => rng.uniform(-1, 1));
  for (const c of [{ kernel: 3, stride: 2, padding: 1 }, { kernel: 4, stride: 2, padding: 1 }, { kernel: 3, stride: 1, padding: 1 }, { kernel: 4, stride: 1, padding: 0 }]) {
    const cfg = { inChannels: ci, outChannels: co, ...c };
    const p = initConv2d(22, `direct${c.kernel}${c.stride}`, cfg);
    const wv = hostData(p.w), bv = hostData(p.b);
    const y = hostData(conv2d(p, np.array(xs).reshape([n, h, w, ci]), cfg));
    const ho = convOutSize(h, c.kernel, c.stride, c.padding), wo = convOutSize(w, c.kernel, c.stride, c.padding);
    const cp = Math.ceil(ci / 4) * 4; // weight rows per tap (channels padded to a multiple of 4)
    for (let b = 0; b < n; b++) for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) for (let o = 0; o < co; o++) {
      let want = bv[o]!;
      for (let ky = 0; ky < c.kernel; ky++) for (let kx = 0; kx < c.kernel; kx++) {
        const iy = oy * c.stride + ky - c.padding, ix = ox * c.stride + kx - c.padding;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        for (let i = 0; i < ci; i++) want += xs[((b * h + iy) * w + ix) * ci + i]! * wv[((ky * c.kernel + kx) * cp + i) * co + o]!;
      }
      const got = y[((b * ho + oy) * wo + ox) * co + o]!;
      assert.ok(Math.abs(got - want) < 1e-4, `k${c.kernel} s${c.stride}: (${b},${oy},${ox},${o}) ${got} vs ${want}`);
    }
  }
});

test('a 4×4 stride-2 conv is centred on its output cell: every interior input column reaches two cells', async () => {
  // Which output columns change when one input column does, for a 16-wide row of patches → 8 cells.
  const reach = (kernel: number): number[][] => {
    const cfg = { inChannels: 4, outChannels: 4, kernel, stride: 2, padding: 1 };
    const p = initConv2d(31, `reach${kernel}`, cfg);
    const y0 = hostData(conv2d({ w: p.w.ref, b: p.b.ref }, np.zeros([1, 4, 16, 4]), cfg));
    const out: number[][] = [];
    for (let j = 0; j < 16; j++) {
      // Input column j set to 1 in every row and channel.
      const x = new Float32Array(4 * 16 * 4);
      for (let r = 0; r < 4; r++) x.fill(1, (r * 16 + j) * 4, (r * 16 + j) * 4 + 4);
      const y = hostData(conv2d({ w: p.w.ref, b: p.b.ref }, np.array(x).reshape([1, 4, 16, 4]), cfg));
      const cols = y.length / 4 / 2; // 2 output rows, 8 columns, 4 channels
      out.push([...Array(cols).keys()].filter((i) => [0, 1].some((row) => [0, 1, 2, 3].some((o) => Math.abs(y[(row * cols + i) * 4 + o]! - y0[(row * cols + i) * 4 + o]!) > 1e-6))));
    }
    tree.dispose(p);
    return out;
  };
  const k3 = reach(3), k4 = reach(4);
  // 3×3: the first patch of cell i (column 2i) reaches cell i only; the second reaches i and i + 1.
  assert.deepEqual(k3[4], [2]);
  assert.deepEqual(k3[5], [2, 3]);
  // 4×4 (padding 1): column j reaches cells ⌊(j − 1)/2⌋ and ⌊(j + 1)/2⌋, both halves alike.
  for (let j = 1; j < 15; j++) assert.deepEqual(k4[j], [Math.floor((j - 1) / 2), Math.floor((j + 1) / 2)], `column ${j}`);
});

test('attention masks: causal and block-causal outputs ignore the future', async () => {
  const p = initAttention(1, 'a', 8);
  const xa = initArray(2, 'xa', [1, 6, 8], { normal: 1 });
  // Changing token 5 must not change outputs 0..3 under block-causal(2) (blocks {0,1},{2,3},{4,5}).
  const xb = np.concatenate([xa.ref.slice([], [0, 5], []), initArray(3, 'other', [1, 1, 8], { normal: 1 })], 1);
  for (const [mask, unaffected] of [['causal', 5], [{ blockCausal: 2 }, 4]] as const) {
    const ya = hostData(attention(tree.ref(p), xa.ref, 2, maskBias(6, mask)));
    const yb = hostData(attention(tree.ref(p), xb.ref, 2, maskBias(6, mask)));
    for (let i = 0; i < unaffected * 8; i++) assert.ok(Math.abs(ya[i]! - yb[i]!) < 1e-6, `${JSON.stringify(mask)} leaked the future at ${i}`);
    assert.ok(Math.abs(ya[6 * 8 - 1]! - yb[6 * 8 - 1]!) > 1e-6);
  }
  const s = hostData(sinusoidal([0, 1], 4));
  assert.deepEqual(Array.from(s.subarray(0, 4)), [0, 0, 1, 1]);
});

test('AdamW, clipping, schedule and EMA match hand-computed values', async () => {
  const cfg = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5, clipNorm: 1.0 };
  let params = { w: np.array([[1, -2], [0.5, 3]]), b: np.array([0.25, -0.5]) };
  let state = initAdam(params);
  const grads = [[[3, 0], [0, 4], [1, -1]], [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]]; // (w rows, b) per step
  // Hand computation in float64.
  const w = [1, -2, 0.5, 3], b = [0.25, -0.5];
  const mw = [0, 0, 0, 0], vw = [0, 0, 0, 0], mb = [0, 0], vb = [0, 0];
  for (let t = 1; t <= 2; t++) {
    const gw = [...grads[t - 1]![0]!, ...grads[t - 1]![1]!], gb = grads[t - 1]![2]!;
    const norm = Math.hypot(...gw, ...gb);
    const scale = Math.min(1, 1 / (norm + 1e-6));
    const bc1 = 1 - 0.9 ** t, bc2 = 1 - 0.99 ** t;
    const upd = (p: number[], m: number[], v: number[], g: number[], decay: boolean) => p.forEach((_, i) => {
      const gi = g[i]! * scale;
      m[i] = 0.9 * m[i]! + 0.1 * gi;
      v[i] = 0.99 * v[i]! + 0.01 * gi * gi;
      p[i] = p[i]! - 0.1 * (m[i]! / bc1 / (Math.sqrt(v[i]! / bc2) + 1e-8) + (decay ? 0.5 * p[i]! : 0));
    });
    upd(w, mw, vw, gw, true);
    upd(b, mb, vb, gb, false);
    const r = adamwUpdate(params, { w: np.array(grads[t - 1]!.slice(0, 2)), b: np.array(grads[t - 1]![2]!) }, state, np.array(0.1), np.array(bc1), np.array(bc2), cfg);
    assert.ok(Math.abs((r.gradNorm.dataSync() as Float32Array)[0]! - norm) < 1e-5);
    params = r.params;
    state = r.state;
  }
  const gotW = hostData(params.w), gotB = hostData(params.b);
  w.forEach((v, i) => assert.ok(Math.abs(gotW[i]! - v) < 1e-5, `w[${i}] ${gotW[i]} vs ${v}`));
  b.forEach((v, i) => assert.ok(Math.abs(gotB[i]! - v) < 1e-5, `b[${i}] ${gotB[i]} vs ${v}`));
  tree.dispose([params, state]);

  const sched = { lr: 1, warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 };
  assert.equal(learningRate(sched, 5), 0.5);
  assert.equal(learningRate(sched, 10), 1);
  assert.ok(Math.abs(learningRate(sched, 60) - 0.55) < 1e-12);
  assert.ok(Math.abs(learningRate(sched, 110) - 0.1) < 1e-12);
  const e = emaUpdate({ a: np.array([1, 2]) }, { a: np.array([3, 6]) }, np.array(0.75));
  assert.deepEqual(Array.from(hostData(e.a)), [1.5, 3]);
  e.a.dispose();
});

function tinyTask(seed: number) {
  const params = initMLP(seed, 'mlp', [6, 16, 2], 'tanh');
  const loss = (p: typeof params, x: A, y: A) => np.square(mlp(p, x, 'tanh').sub(y)).mean();
  const batch = (step: number) => [initArray(step, 'bx', [8, 6], { normal: 1 }), initArray(step, 'by', [8, 2], { normal: 1 })] as const;
  return { params, loss, batch };
}

test('Trainer: a loss vector trains element 0 only (the other parts are reported, not optimised)', async () => {
  // Objective 0.5·x² + y² (element 0) beside the parts x² and y². jax-js's jit once differentiated
  // v.slice(0) of a stacked vector as the sum of all its elements (see trainer.ts): that gradient
  // is (3x, 4y), norm 21.1, instead of (x, 2y), norm 10.25.
  const loss = (p: { x: np.Array; y: np.Array }) => {
    const a = np.square(p.x).sum(), b = np.square(p.y).sum();
    return np.stack([a.ref.mul(0.5).add(b.ref), a, b]);
  };
  const tr = new Trainer(loss as never, { x: np.array([1, 2]), y: np.array([3, 4]) }, { optimizer: { lr: 0.1 } });
  const s = await tr.train();
  assert.deepEqual(s.parts.map((v) => Math.round(v * 10) / 10), [27.5, 5, 25]);
  assert.ok(Math.abs(s.gradNorm - Math.hypot(1, 2, 6, 8)) < 1e-3, `gradient norm ${s.gradNorm}: the objective's, not the sum of every part's`);
  tr.dispose();
});

test('checkpoints: round trip, resume bit-identically, one-line errors on mismatch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umwelt-ckpt-'));
  const opt = { optimizer: { lr: 0.01, warmupSteps: 2, totalSteps: 10 }, emaDecay: 0.9 };
  const run = async (steps: number, from?: string) => {
    const t = tinyTask(1);
    let trainer: Trainer<typeof t.params>;
    if (from) {
      const ck = loadCheckpoint(from);
      const restored = restoreTree(ck, 'params', t.params);
      trainer = new Trainer(t.loss, restored, opt, { opt: { m: restoreTree(ck, 'opt.m', t.params), v: restoreTree(ck, 'opt.v', t.params) }, ema: restoreTree(ck, 'ema', t.params), step: ck.meta.step });
      tree.dispose(t.params);
    } else trainer = new Trainer(t.loss, t.params, opt);
    while (trainer.step < steps) {
      const [bx, by] = t.batch(trainer.step);
      await trainer.train(bx, by);
    }
    return trainer;
  };
  const straight = await run(6);
  const half = await run(3);
  const path = join(dir, 'ckpt.safetensors');
  await saveCheckpoint(path, half.stateTrees(), { format: 'umwelt-checkpoint/1', step: half.step, config: { dims: [6, 16, 2] } });
  const resumed = await run(6, path);
  const bytes = async (tr: { stateTrees(): Record<string, JsTree<A>> }) => Buffer.concat(await Promise.all(namedLeaves(tr.stateTrees()).map(async ([, a]) => (d => Buffer.from(d.buffer, d.byteOffset, d.byteLength))(await a.ref.data()))));
  assert.ok((await bytes(resumed)).equals(await bytes(straight)), 'resumed training diverged from the uninterrupted run');
  const ck = loadCheckpoint(path);
  assert.equal(ck.meta.step, 3);
  assert.deepEqual(ck.meta.config, { dims: [6, 16, 2] });
  // Wrong model: shape mismatch names the tensor.
  const other = initMLP(1, 'mlp', [6, 32, 2], 'tanh');
  assert.throws(() => restoreTree(ck, 'params', other), (e: unknown) => e instanceof InputError && /tensor 'params\.layers\.0\.[bw]' has shape \[(6,)?16\], the model expects \[(6,)?32\]/.test(e.message));
  tree.dispose(other);
  const raw = readFileSync(path);
  writeFileSync(join(dir, 'cut.safetensors'), raw.subarray(0, raw.length - 10));
  assert.throws(() => loadCheckpoint(join(dir, 'cut.safetensors')), (e: unknown) => e instanceof InputError && /truncated/.test(e.message));
  assert.throws(() => loadCheckpoint(join(dir, 'none.safetensors')), /checkpoint not found/);
  assert.throws(() => decodeCheckpoint(new Uint8Array(4)), InputError);
  for (const tr of [straight, half, resumed]) tr.dispose();
});

test('memory stays flat over 10,000 training steps', async () => {
  // A real collection before each reading (npm test does not pass --expose-gc): without it RSS
  // measures when the collector last ran, which depends on machine load, not on leaks.
  v8.setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const t = tinyTask(2);
  const trainer = new Trainer(t.loss, t.params, { optimizer: { lr: 1e-3 }, emaDecay: 0.99 });
  const [bx, by] = t.batch(0);
  let rssAt1000 = 0;
  for (let i = 1; i <= 10_000; i++) {
    await trainer.train(bx.ref, by.ref);
    if (i === 1000) { collect(); rssAt1000 = process.memoryUsage().rss; }
  }
  collect();
  const growth = (process.memoryUsage().rss - rssAt1000) / 1e6;
  if (process.env.SHOW_GROWTH) console.log(`GROWTH ${growth.toFixed(1)}`);
  // Identical runs on this machine read −73 … +41 MB (allocator and load, not leaks), so the bound
  // catches only leaks larger than that noise; a live-buffer count would be the precise check.
  assert.ok(growth < 80, `rss grew ${growth.toFixed(1)} MB over 9,000 steps`);
  trainer.dispose();
  bx.dispose();
  by.dispose();
});

test('wasm and cpu devices agree on forward and gradients', async () => {
  const results: Float64Array[][] = [];
  for (const device of ['wasm', 'cpu'] as const) {
    defaultDevice(device);
    const p = initTransformerBlock(3, 'tb', 8, 16);
    const x = initArray(4, 'x', [2, 4, 8], { normal: 1 });
    const [v, g] = valueAndGrad((pp: typeof p, xx: A) => np.square(transformerBlock(pp, xx, 2, maskBias(4, 'causal'))).mean())(p, x);
    results.push([hostData(v), ...namedLeaves(g).map(([, a]) => hostData(a))]);
    tree.dispose(g);
  }
  defaultDevice('wasm');
  const [w, c] = results as [Float64Array[], Float64Array[]];
  w.forEach((arr, i) => arr.forEach((val, j) => assert.ok(Math.abs(val - c[i]![j]!) <= 1e-4 * (1 + Math.abs(val)), `leaf ${i}[${j}]: wasm ${val} cpu ${c[i]![j]}`)));
});

test('analytic FLOPs and the compute ledger', () => {
  assert.equal(linearFlops(256, 128, 256), 2 * 256 * 128 * 256);
  assert.equal(conv2dFlops(32, 64, 64, { inChannels: 3, outChannels: 32, kernel: 3, stride: 2, padding: 1 }), 2 * 32 * 32 * 32 * 9 * 3 * 32);
  const ledger = new ComputeLedger({ gpuHour: 2, cpuCoreHour: 0.05 });
  const e = ledger.add({ kind: 'train', name: 'wm', flops: 3.6e12, seconds: 1800, device: 'wasm', units: 2, episodes: 10, successes: 4 });
  assert.ok(Math.abs(e.cost_usd - 0.05) < 1e-12);
  assert.ok(Math.abs(e.cost_per_success_usd! - 0.0125) < 1e-12);
  assert.ok(Math.abs(e.gflop_per_s - 2) < 1e-12);
  ledger.add({ kind: 'plan', name: 'gpu', flops: 0, seconds: 36, device: 'webgpu', units: 1 });
  assert.ok(Math.abs(ledger.totals().cost_usd - 0.07) < 1e-12);
});
