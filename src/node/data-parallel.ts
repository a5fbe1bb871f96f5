/**
 * Data-parallel training on CPU cores: the batch is split into equal shards; this thread computes
 * the gradients of the first shard with its own Trainer while each worker thread (one Wasm core
 * each) computes another shard's on a replica; the gradients are averaged here and every replica
 * applies the same averaged step, so all of them hold the same parameters bit for bit.
 *
 * Why: a two-room training step is many small kernels, which jax-js's multi-threaded Wasm splits
 * poorly (1.1× on 2 cores); two half batches side by side take 0.62× of one full batch (measured,
 * docs/worldmodel.md). Loss terms with batch statistics (VICReg's variance and covariance) are
 * computed per shard, as in multi-GPU data parallelism.
 */
import { Worker } from 'node:worker_threads';
import '../nn/polyfills.ts';
import { numpy as np, tree } from '@jax-js/jax';
import type { StepStats, Trainer } from '../nn/trainer.ts';
import type { Tree } from '../nn/optim.ts';
import { UmweltError } from '../errors.ts';

/** One loss argument on the host: `data` null means zeros; `split` arrays have the batch on axis 0 and are sharded, the others go whole to every shard. */
export interface HostArray { data: Float32Array | null; shape: number[]; split: boolean }

/** The state a replica starts from: every parameter/optimizer leaf in `tree.leaves` order, and the step. */
export interface ReplicaState { params: Float32Array[]; m: Float32Array[]; v: Float32Array[]; step: number }

export type ToReplica =
  | { type: 'grads'; batch: HostArray[] }
  | { type: 'apply'; grads: Float32Array[] }
  | { type: 'params' };

export type FromReplica =
  | { type: 'grads'; parts: Float32Array; grads: Float32Array[] }
  | { type: 'params'; params: Float32Array[] }
  | { type: 'error'; message: string; stack?: string };

/** Shard k of n of a batch's arguments (split arrays: rows k·B/n … (k+1)·B/n − 1, copied). */
export function shardArgs(args: HostArray[], k: number, n: number): HostArray[] {
  return args.map((a) => {
    if (!a.split) return a;
    const rows = a.shape[0]!;
    if (rows % n !== 0) throw new Error(`a batch of ${rows} does not split into ${n} equal shards`);
    const per = rows / n, shape = [per, ...a.shape.slice(1)];
    if (!a.data) return { data: null, shape, split: true };
    const len = a.data.length / rows;
    return { data: a.data.slice(k * per * len, (k + 1) * per * len), shape, split: true };
  });
}

/** Device arrays for a loss call (zeros for `data: null`). */
export function deviceArgs(args: HostArray[]): np.Array[] {
  return args.map((a) => (a.data ? np.array(a.data as Float32Array<ArrayBuffer>).reshape(a.shape) : np.zeros(a.shape)));
}

/** Element-wise mean of equal-length arrays, summed in shard order (the same bytes on every replica). */
export function meanOf(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays[0]!.length);
  for (const a of arrays) for (let i = 0; i < out.length; i++) out[i]! += a[i]!;
  const inv = 1 / arrays.length;
  for (let i = 0; i < out.length; i++) out[i]! *= inv;
  return out;
}

/** Every leaf of `t` read back to the host (the tree is kept). */
export async function hostLeaves(t: Tree): Promise<Float32Array[]> {
  return Promise.all((tree.leaves(t) as np.Array[]).map(async (x) => (await x.ref.data()) as Float32Array));
}

/** A trainer's current state as host arrays, for starting replicas. */
export async function replicaState<P extends Tree>(trainer: Trainer<P>): Promise<ReplicaState> {
  return { params: await hostLeaves(trainer.params), m: await hostLeaves(trainer.opt.m), v: await hostLeaves(trainer.opt.v), step: trainer.step };
}

/** One worker thread holding a replica; replies come back in the order of the requests. */
class Replica {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (m: FromReplica) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;

  constructor(module: URL, data: unknown) {
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { __module: module.href, ...(data as object) } });
    this.worker.on('message', (m: FromReplica) => {
      if (m.type === 'error') return this.fail(m.stack ? Object.assign(new Error(m.message), { stack: m.stack }) : new UmweltError(m.message));
      this.waiting.shift()?.resolve(m);
    });
    this.worker.on('error', (e) => this.fail(e as Error));
    this.worker.on('exit', (code) => this.fail(new Error(`data-parallel replica exited (code ${code})`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }

  send(m: ToReplica): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(m);
  }

  request(m: ToReplica): Promise<FromReplica> {
    if (this.failure) return Promise.reject(this.failure);
    const reply = new Promise<FromReplica>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.worker.postMessage(m);
    return reply;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('data-parallel replica closed');
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

export class DataParallelTrainer<P extends Tree> {
  private constructor(private readonly trainer: Trainer<P>, private readonly replicas: Replica[]) {}

  /**
   * Starts shards − 1 replicas of `trainer` in worker threads. `module` is the replica's entry
   * (it calls serveReplica with a Trainer built like this one); `data` goes to it as workerData,
   * with `state`, the trainer's current parameters and optimizer state.
   */
  static async start<P extends Tree>(trainer: Trainer<P>, shards: number, module: URL, data: Record<string, unknown>): Promise<DataParallelTrainer<P>> {
    if (!Number.isInteger(shards) || shards < 2) throw new Error(`data parallelism needs at least 2 shards, not ${shards}`);
    const state = await replicaState(trainer);
    const replicas = Array.from({ length: shards - 1 }, () => new Replica(module, { ...data, state }));
    return new DataParallelTrainer(trainer, replicas);
  }

  get shards(): number { return this.replicas.length + 1; }

  /** One step on the whole batch: shard 0 here, the others on the replicas, gradients averaged. */
  async train(args: HostArray[]): Promise<StepStats> {
    const n = this.shards;
    const replies = this.replicas.map((r, k) => r.request({ type: 'grads', batch: shardArgs(args, k + 1, n) }));
    // A failing replica must not leave this rejection unobserved while shard 0 computes.
    replies.forEach((p) => p.catch(() => {}));
    const mine = await this.trainer.gradients(...deviceArgs(shardArgs(args, 0, n)));
    const theirs = (await Promise.all(replies)) as Extract<FromReplica, { type: 'grads' }>[];
    const all = [mine, ...theirs];
    const grads = mine.grads.map((_, i) => meanOf(all.map((g) => g.grads[i]!)));
    for (const r of this.replicas) r.send({ type: 'apply', grads });
    const s = await this.trainer.applyGradients(grads);
    const parts = Array.from(meanOf(all.map((g) => g.parts)));
    return { step: s.step, loss: parts[0]!, gradNorm: s.gradNorm, lr: s.lr, parts };
  }

  /**
   * Throws unless every replica holds this thread's parameters exactly: replicas that drifted
   * apart would train different models and average meaningless gradients.
   */
  async verifyInSync(): Promise<void> {
    const mine = await hostLeaves(this.trainer.params);
    const theirs = await Promise.all(this.replicas.map((r) => r.request({ type: 'params' })));
    theirs.forEach((t, k) => {
      const p = (t as Extract<FromReplica, { type: 'params' }>).params;
      const same = p.length === mine.length && p.every((a, i) => a.length === mine[i]!.length && a.every((x, j) => Object.is(x, mine[i]![j])));
      if (!same) throw new Error(`data-parallel replica ${k + 1} no longer holds the same parameters as replica 0 at step ${this.trainer.step}`);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.close()));
  }
}
