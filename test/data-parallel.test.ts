/**
 * Data-parallel training (src/node/data-parallel.ts): sharding, the split Trainer step, replicas
 * that stay identical, failures that surface, and `train world-model --data-parallel` end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../src/nn/polyfills.ts';
import { numpy as np, tree } from '@jax-js/jax';
import { useDevice } from '../src/nn/runtime.ts';
import { Trainer } from '../src/nn/trainer.ts';
import { DataParallelTrainer, deviceArgs, meanOf, shardArgs, type HostArray } from '../src/node/data-parallel.ts';
import { collectDataset } from '../src/node/collect.ts';
import { mlpLoss, mlpParams, type MlpParams } from './mlp-loss.fixture.ts';

await useDevice('wasm');
const REPLICA = new URL('./mlp-replica.fixture.ts', import.meta.url);
const bin = fileURLToPath(new URL('../bin/umwelt.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'umwelt-dp-'));

/** A regression batch of `rows` examples: x (rows × 4) and y (rows × 2), deterministic in `seed`. */
function batch(rows: number, seed: number): HostArray[] {
  const v = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * 1.3 + k + seed * 0.1));
  return [{ data: v(rows * 4, 0), shape: [rows, 4], split: true }, { data: v(rows * 2, 5), shape: [rows, 2], split: true }];
}

async function leaves(p: MlpParams): Promise<number[][]> {
  return Promise.all((tree.leaves(p) as np.Array[]).map(async (x) => Array.from((await x.ref.data()) as Float32Array)));
}

test('shardArgs splits batch rows in order, passes shared arrays whole, refuses uneven shards; meanOf averages', () => {
  const args: HostArray[] = [
    { data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), shape: [4, 2], split: true },
    { data: Float32Array.from([9]), shape: [1], split: false },
    { data: null, shape: [4, 0], split: true },
  ];
  const s1 = shardArgs(args, 1, 2);
  assert.deepEqual(Array.from(s1[0]!.data!), [4, 5, 6, 7], 'shard 1 of 2: rows 2 and 3');
  assert.deepEqual(s1[0]!.shape, [2, 2]);
  assert.equal(s1[0]!.data!.buffer.byteLength, 16, 'a shard is a copy, not a view that would clone the whole batch');
  assert.equal(s1[1], args[1], 'a shared array goes whole to every shard');
  assert.deepEqual([s1[2]!.data, s1[2]!.shape], [null, [2, 0]], 'zeros stay zeros, with the shard\'s rows');
  assert.throws(() => shardArgs(args, 0, 3), /a batch of 4 does not split into 3 equal shards/);
  assert.deepEqual(Array.from(meanOf([Float32Array.from([1, 2]), Float32Array.from([3, 6])])), [2, 4]);
});

test('Trainer.gradients + applyGradients is the same step as Trainer.train, bit for bit', async () => {
  const one = new Trainer(mlpLoss as never, mlpParams(), { optimizer: { lr: 0.05, warmupSteps: 2, totalSteps: 6 } });
  const two = new Trainer(mlpLoss as never, mlpParams(), { optimizer: { lr: 0.05, warmupSteps: 2, totalSteps: 6 } });
  for (let i = 0; i < 4; i++) {
    const a = await one.train(...deviceArgs(batch(8, i)));
    const g = await two.gradients(...deviceArgs(batch(8, i)));
    const b = await two.applyGradients(g.grads);
    assert.deepEqual([b.step, b.gradNorm, b.lr, Array.from(g.parts)], [a.step, a.gradNorm, a.lr, a.parts], `step ${i + 1}`);
  }
  assert.deepEqual(await leaves(two.params), await leaves(one.params), 'same parameters after 4 steps');
  await assert.rejects(two.applyGradients([new Float32Array(3)]), /applyGradients: gradient: 1 arrays for 3 parameters/);
  one.dispose();
  two.dispose();
});

test('2-way data parallelism: the full batch\'s step (a batch-mean loss), replicas identical, deterministic', async () => {
  const run = async () => {
    const t = new Trainer(mlpLoss as never, mlpParams(), { optimizer: { lr: 0.05 } });
    const dp = await DataParallelTrainer.start(t, 2, REPLICA, {});
    const stats = [];
    for (let i = 0; i < 5; i++) stats.push(await dp.train(batch(8, i)));
    await dp.verifyInSync();
    await dp.close();
    const p = await leaves(t.params);
    t.dispose();
    return { stats, p };
  };
  const a = await run(), b = await run();
  assert.deepEqual(b, a, 'same seed and shards: identical steps and parameters');
  // One trainer on the whole batch: the mean of two half-batch means is the batch mean, so the
  // gradients agree up to float rounding.
  const full = new Trainer(mlpLoss as never, mlpParams(), { optimizer: { lr: 0.05 } });
  for (let i = 0; i < 5; i++) {
    const s = await full.train(...deviceArgs(batch(8, i)));
    assert.ok(Math.abs(s.loss - a.stats[i]!.loss) <= 1e-6 * Math.max(1, s.loss), `step ${i + 1} loss ${s.loss} vs ${a.stats[i]!.loss}`);
    assert.ok(Math.abs(s.gradNorm - a.stats[i]!.gradNorm) <= 1e-5 * Math.max(1, s.gradNorm), `step ${i + 1} grad norm ${s.gradNorm} vs ${a.stats[i]!.gradNorm}`);
  }
  (await leaves(full.params)).forEach((l, i) => l.forEach((x, j) => assert.ok(Math.abs(x - a.p[i]![j]!) < 1e-5, `param ${i}[${j}]: ${x} vs ${a.p[i]![j]}`)));
  assert.ok(a.stats[4]!.loss < a.stats[0]!.loss, `training lowers the loss (${a.stats[0]!.loss} → ${a.stats[4]!.loss})`);
  full.dispose();
});

test('a failing replica fails the step with its message (no hang)', async () => {
  const t = new Trainer(mlpLoss as never, mlpParams(), { optimizer: { lr: 0.05 } });
  const dp = await DataParallelTrainer.start(t, 2, REPLICA, { failOn: 'grads' });
  await assert.rejects(dp.train(batch(8, 0)), /replica failed on purpose/);
  await dp.close();
  t.dispose();
});

function umwelt(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('train world-model --data-parallel 2: trains, is reproducible, counts 2 cores, keeps its setting on resume; bad combinations are refused', async () => {
  const data = join(tmp, 'data');
  await collectDataset({ world: 'two-room', policy: 'noisy-expert', split: 'train', seed: 4, episodes: 4, out: data, workers: 1 });
  const train = (out: string, ...extra: string[]) => umwelt({}, 'train', 'world-model', '--data', data, '--out', join(tmp, out), '--batch', '4', '--seed', '2', '--json', ...extra);
  const metrics = (out: string) => readFileSync(join(tmp, out, 'metrics.jsonl'), 'utf8');
  let r = train('a', '--steps', '3', '--data-parallel', '2');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).steps, 3);
  r = train('b', '--steps', '3', '--data-parallel', '2');
  assert.equal(r.code, 0, r.stderr);
  const strip = (s: string) => s.replace(/"seconds":[0-9.e+-]+/g, '');
  assert.equal(strip(metrics('b')), strip(metrics('a')), 'same seed: identical losses and gradient norms');
  assert.equal(JSON.parse(readFileSync(join(tmp, 'a', 'config.json'), 'utf8')).training.data_parallel, 2);
  const entry = JSON.parse(readFileSync(join(tmp, 'a', 'ledger.json'), 'utf8')).entries[0];
  assert.equal(entry.units, 2, 'two replicas are two cores in the cost');
  // A resume keeps the shard count (per-shard VICReg makes it part of the objective).
  r = train('a', '--steps', '4', '--data-parallel', '1');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --data-parallel 1 differs from .*'s 2 \(config.json\); a resumed run keeps its settings/);
  r = train('a', '--steps', '4');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).steps, 4, 'resumed on 2 replicas from the checkpoint');
  r = train('c', '--steps', '2', '--batch', '5', '--data-parallel', '2');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --batch 5 does not split into 2 equal shards\nhint: use a batch that is a multiple of 2/);
  assert.equal(existsSync(join(tmp, 'c')), false, 'a refused command leaves no run folder behind');
  r = umwelt({ UMWELT_WASM_THREADS: '2' }, 'train', 'world-model', '--data', data, '--out', join(tmp, 'd'), '--steps', '2', '--batch', '4', '--data-parallel', '2');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: --data-parallel 2 and UMWELT_WASM_THREADS=2 would both claim the cores/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'one-line error, no stack trace');
});
