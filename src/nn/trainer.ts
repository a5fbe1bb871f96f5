/**
 * Trainer: one jit'd step = value-and-grad of the loss + AdamW update (+ optional EMA), with the
 * jax-js ownership handled here so model code cannot leak: the step consumes the current
 * parameters/optimizer state and returns new ones, which the trainer keeps; per-step scalars are
 * array arguments; every step is synced (jax-js is lazy, unsynced steps pile up buffers).
 */
import './polyfills.ts';
import { blockUntilReady, jit, numpy as np, tree, valueAndGrad } from '@jax-js/jax';
import { adamHyper, adamwUpdate, emaUpdate, initAdam, type AdamState, type AdamWConfig, type Tree } from './optim.ts';

type A = np.Array;

/**
 * loss(params, ...batch) → a scalar, or a vector whose element 0 is the objective and whose
 * other elements are reported as `parts` (loss terms for metrics). Must follow jax-js ownership.
 */
export type LossFn<P extends Tree> = (params: P, ...batch: A[]) => A;

export interface TrainerOptions {
  optimizer: AdamWConfig;
  /** Keep an EMA of the parameters with this decay (e.g. 0.99); undefined: no EMA. */
  emaDecay?: number;
  /**
   * Wait for every parameter/optimizer array every this many steps (default 8). jax-js is lazy:
   * without a sync pending work piles up; but a full sync reads every array back, one GPU round
   * trip each, so it is amortised. The step's loss is read every step either way.
   */
  syncEvery?: number;
}

export interface StepStats {
  step: number;
  loss: number;
  gradNorm: number;
  lr: number;
  /** The loss vector (element 0 = loss) when the loss returns one. */
  parts: number[];
}

/**
 * A new tree shaped like `like` (which is left as it is) holding `leaves`, one host array per leaf
 * in `tree.leaves` order; `what` names the arrays in the error a count or size mismatch raises.
 */
export function treeFromHost<P extends Tree>(like: P, leaves: Float32Array[], what: string): P {
  const [old, structure] = tree.flatten(like) as [A[], ReturnType<typeof tree.structure>];
  if (leaves.length !== old.length) throw new Error(`${what}: ${leaves.length} arrays for ${old.length} parameters`);
  return tree.unflatten(structure, old.map((p, i) => {
    if (leaves[i]!.length !== p.size) throw new Error(`${what} ${i} has ${leaves[i]!.length} values, its parameter ${p.size}`);
    return np.array(leaves[i]! as Float32Array<ArrayBuffer>).reshape(p.shape);
  })) as P;
}

export class Trainer<P extends Tree> {
  params: P;
  opt: AdamState<P>;
  ema: P | undefined;
  step = 0;
  readonly options: TrainerOptions;
  private readonly stepFn: (params: P, opt: AdamState<P>, ema: P | null, hyper: A, ...batch: A[]) => [A, P, AdamState<P>, P | null];
  private readonly gradFn: (params: P, ...batch: A[]) => [A, P];
  private readonly applyFn: (params: P, grads: P, opt: AdamState<P>, ema: P | null, hyper: A) => [A, P, AdamState<P>, P | null];

  constructor(loss: LossFn<P>, params: P, options: TrainerOptions, state?: { opt: AdamState<P>; ema?: P; step: number }) {
    this.options = options;
    this.params = params;
    this.opt = state?.opt ?? initAdam(params);
    this.step = state?.step ?? 0;
    this.ema = options.emaDecay !== undefined ? (state?.ema ?? tree.map((p: A) => p.ref.add(0), params) as P) : undefined;
    const withParts = (p: P, ...batch: A[]): [A, A] => {
      const v = loss(p, ...batch);
      if (v.ndim === 0) return [v.ref, v.reshape([1])];
      // Element 0 as (v · e₀).sum(), not v.slice(0): under jit, jax-js differentiates a slice of
      // a stacked vector as if it were the sum of every element (test/nn.test.ts pins this), which
      // silently trained every loss part at weight 1 on top of its configured weight.
      const first = np.array(Float32Array.from({ length: v.shape[0]! }, (_, i) => (i === 0 ? 1 : 0)));
      return [v.ref.mul(first).sum(), v];
    };
    const grad = valueAndGrad(withParts, { hasAux: true }) as unknown as (p: P, ...batch: A[]) => [[A, A], P];
    // The AdamW (+ EMA) half of a step: [grad norm, params, opt, ema].
    const update = (p: P, grads: P, o: AdamState<P>, e: P | null, hyper: A): [A, P, AdamState<P>, P | []] => {
      const [lr, bc1, bc2, decay] = [0, 1, 2, 3].map((i) => (i < 3 ? hyper.ref : hyper).slice(i)) as [A, A, A, A];
      const r = adamwUpdate(p, grads, o, lr, bc1, bc2, options.optimizer);
      // No EMA is an empty tree (jit arguments cannot be null).
      let ema: P | [] = [];
      if (e && !(Array.isArray(e) && e.length === 0)) ema = emaUpdate(e, tree.ref(r.params), decay);
      else decay.dispose();
      return [r.gradNorm, r.params, r.state, ema];
    };
    // One jit for the whole step (EMA included): eager jax-js ops leak, and one program means
    // one sync point.
    // Per-step scalars travel as one array [lr, 1-β1^t, 1-β2^t, ema decay] (one upload), and the
    // stats come back as one array [grad norm, loss parts…] (one readback).
    const step = (p: P, o: AdamState<P>, e: P | null, hyper: A, ...batch: A[]) => {
      const [[value, parts], grads] = grad(tree.ref(p), ...batch);
      value.dispose();
      const [gradNorm, params, state, ema] = update(p, grads, o, e, hyper);
      return [np.concatenate([gradNorm.reshape([1]), parts]), params, state, ema];
    };
    this.stepFn = jit(step as never) as unknown as Trainer<P>['stepFn'];
    // Data-parallel training (gradients → average over shards → applyGradients) splits the same
    // step in two programs; they are compiled on first use only.
    this.gradFn = jit(((p: P, ...batch: A[]) => {
      const [[value, parts], grads] = grad(p, ...batch);
      value.dispose();
      return [parts, grads];
    }) as never) as unknown as Trainer<P>['gradFn'];
    this.applyFn = jit(update as never) as unknown as Trainer<P>['applyFn'];
  }

  /** One optimisation step on a batch (the batch arrays are consumed). */
  async train(...batch: A[]): Promise<StepStats> {
    const { stats, lr } = this.advance(batch);
    if (this.step % (this.options.syncEvery ?? 8) === 0) await blockUntilReady([this.params, this.opt, this.ema ?? []]);
    return this.stats((await stats.data()) as Float32Array, lr);
  }

  /**
   * The same step, synchronously (reads the stats back with dataSync, which runs the step's one
   * compiled program): for callers that must stay synchronous, e.g. a planner adapting its model
   * between actions. Wasm/CPU backends only in practice (dataSync blocks on WebGPU).
   */
  trainSync(...batch: A[]): StepStats {
    const { stats, lr } = this.advance(batch);
    return this.stats(stats.dataSync() as Float32Array, lr);
  }

  /**
   * Data-parallel first half: the loss parts and the gradients on this shard of the batch (the
   * batch arrays are consumed), read back to the host, one array per parameter leaf in
   * `tree.leaves` order. The parameters do not change.
   */
  async gradients(...batch: A[]): Promise<{ parts: Float32Array; grads: Float32Array[] }> {
    const [parts, grads] = this.gradFn(tree.ref(this.params), ...batch);
    const leaves = tree.leaves(grads) as A[];
    const host = await Promise.all(leaves.map(async (g) => (await g.data()) as Float32Array));
    return { parts: (await parts.data()) as Float32Array, grads: host };
  }

  /**
   * Data-parallel second half: one optimisation step with the given gradients (`gradients`'
   * layout, averaged over the shards). Every replica that applies the same gradients to the same
   * state computes the same new state, bit for bit.
   */
  async applyGradients(grads: Float32Array[]): Promise<{ step: number; gradNorm: number; lr: number }> {
    const g = treeFromHost(this.params, grads, 'applyGradients: gradient');
    this.step++;
    const h = adamHyper(this.options.optimizer, this.step);
    const hyper = np.array(new Float32Array([h.lr, h.bc1, h.bc2, this.options.emaDecay ?? 0]));
    const [gradNorm, params, opt, ema] = this.applyFn(this.params, g, this.opt, this.ema ?? ([] as unknown as P), hyper);
    this.params = params;
    this.opt = opt;
    this.ema = this.ema ? (ema ?? undefined) : undefined;
    if (this.step % (this.options.syncEvery ?? 8) === 0) await blockUntilReady([this.params, this.opt, this.ema ?? []]);
    return { step: this.step, gradNorm: ((await gradNorm.data()) as Float32Array)[0]!, lr: h.lr };
  }

  private advance(batch: A[]): { stats: A; lr: number } {
    this.step++;
    const h = adamHyper(this.options.optimizer, this.step);
    const hyper = np.array(new Float32Array([h.lr, h.bc1, h.bc2, this.options.emaDecay ?? 0]));
    const [stats, params, opt, ema] = this.stepFn(this.params, this.opt, this.ema ?? ([] as unknown as P), hyper, ...batch);
    this.params = params;
    this.opt = opt;
    this.ema = this.ema ? (ema ?? undefined) : undefined;
    return { stats, lr: h.lr };
  }

  private stats(s: Float32Array, lr: number): StepStats {
    return { step: this.step, loss: s[1]!, gradNorm: s[0]!, lr, parts: Array.from(s.subarray(1)) };
  }

  /** Restarts from new parameters (consumed) with a fresh optimiser state at step 0; the compiled step is kept. */
  restart(params: P): void {
    tree.dispose(this.params);
    tree.dispose(this.opt);
    if (this.ema) tree.dispose(this.ema);
    this.params = params;
    this.opt = initAdam(params);
    this.ema = this.options.emaDecay !== undefined ? (tree.map((p: A) => p.ref.add(0), params) as P) : undefined;
    this.step = 0;
  }

  /** The trees a checkpoint needs to resume exactly (arrays are not copied: take refs to keep). */
  stateTrees(): Record<string, Tree> {
    const trees: Record<string, Tree> = { params: this.params, 'opt.m': this.opt.m, 'opt.v': this.opt.v };
    if (this.ema) trees.ema = this.ema;
    return trees;
  }

  /** Releases every array the trainer holds. */
  dispose(): void {
    tree.dispose(this.params);
    tree.dispose(this.opt);
    if (this.ema) tree.dispose(this.ema);
  }
}
