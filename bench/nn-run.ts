/**
 * Runs the nn benchmark models on one device/thread setting in this process and prints one JSON
 * object. Thread count and device are process-wide in jax-js, so bench/nn.ts starts one process
 * per setting. Usage: node --import tsx bench/nn-run.ts --device wasm|webgpu [--threads N] [--models mlp,cnn]
 */
// Must come first: jax-js picks its Wasm thread pool when it is first imported.
import '../src/node/wasm-threads-setup.ts';
import '../src/nn/polyfills.ts';
import { numpy as np, valueAndGrad, defaultDevice } from '@jax-js/jax';
import { Trainer } from '../src/nn/trainer.ts';
import { startBackends, useDevice, type NNDevice } from '../src/nn/runtime.ts';
import { installNodeWebGPU } from '../src/node/webgpu.ts';
import { BENCH_MODELS } from './nn-models.ts';
import { initTransformerBlock, maskBias, transformerBlock } from '../src/nn/layers.ts';
import { initArray } from '../src/nn/init.ts';
import { namedLeaves } from '../src/nn/checkpoint.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const device = arg('device', 'wasm') as NNDevice;
const threads = Number(process.env.UMWELT_WASM_THREADS ?? '1');
const models = arg('models', 'mlp,cnn,transformer').split(',');
const steps = Number(arg('steps', '20'));
const batchScale = Number(arg('batch-scale', '1'));

if (device === 'webgpu' && !(await installNodeWebGPU())) {
  console.log(JSON.stringify({ device, error: 'no WebGPU adapter (optional package `webgpu` missing or no GPU)' }));
  process.exit(0);
}
const { wasmThreads } = await import('../src/node/wasm-threads.ts');
await useDevice(device);

const out: Record<string, unknown> = {};
for (const name of models) {
  const batch = batchScale === 1 ? undefined : Math.round(({ mlp: 256, cnn: 32, transformer: 16 } as Record<string, number>)[name]! * batchScale);
  const model = BENCH_MODELS[name]!(batch);
  const trainer = new Trainer(model.loss as never, model.params, { optimizer: { lr: 1e-3, clipNorm: 1 } });
  const t0 = performance.now();
  await trainer.train(...model.batch());
  const compileMs = performance.now() - t0;
  for (let i = 0; i < 2; i++) await trainer.train(...model.batch());
  const times: number[] = [];
  let loss = 0;
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    loss = (await trainer.train(...model.batch())).loss;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  out[name] = {
    describe: model.describe,
    step_ms: median,
    first_step_ms: compileMs,
    flops_per_step: 3 * model.forwardFlops,
    gflop_per_s: (3 * model.forwardFlops) / (median / 1000) / 1e9,
    final_loss: loss,
  };
  trainer.dispose();
}

// Device agreement: the same transformer block's loss and gradients on this device vs wasm.
let agreement: Record<string, number> | undefined;
if (device !== 'wasm') {
  const results: number[][] = [];
  for (const d of [device, 'wasm'] as const) {
    defaultDevice(d);
    const p = initTransformerBlock(3, 'agree', 32, 64);
    const x = initArray(4, 'agree.x', [2, 8, 32], { normal: 1 });
    const [v, g] = valueAndGrad((pp: typeof p, xx: np.Array) => np.square(transformerBlock(pp, xx, 4, maskBias(8, 'causal'))).mean())(p, x);
    const flat: number[] = [...(await v.data())];
    for (const [, a] of namedLeaves(g)) flat.push(...(await a.data()));
    results.push(flat);
  }
  const [a, b] = results as [number[], number[]];
  let maxAbs = 0, maxRel = 0;
  a.forEach((v, i) => { const d = Math.abs(v - b[i]!); maxAbs = Math.max(maxAbs, d); maxRel = Math.max(maxRel, d / (1e-3 + Math.abs(b[i]!))); });
  agreement = { values: a.length, max_abs_diff: maxAbs, max_rel_diff: maxRel };
}

console.log(JSON.stringify({ device, threads: device === 'wasm' ? wasmThreads() : threads, backends: await startBackends(), models: out, agreement }));
