/**
 * AdamW (decoupled weight decay), global-norm clipping, warmup + cosine schedules, EMA.
 * Pure functions over parameter trees, meant to run inside one jit'd training step. Values that
 * change every step (learning rate, Adam bias corrections, EMA decay) enter as array arguments:
 * a captured JS number would be frozen into the compiled kernel.
 */
import './polyfills.ts';
import { numpy as np, tree, type JsTree } from '@jax-js/jax';

type A = np.Array;
export type Tree = JsTree<A>;

export interface AdamWConfig {
  /** Peak learning rate (the schedule scales it). */
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay, applied to weights with ≥ 2 dims (not biases, norms, embeddings' scale). */
  weightDecay?: number;
  /** Clip gradients to this global L2 norm (0: off). */
  clipNorm?: number;
  warmupSteps?: number;
  /** Total steps for the cosine decay (0: constant after warmup). */
  totalSteps?: number;
  /** Final learning rate as a fraction of `lr`. */
  minLrRatio?: number;
}

export type AdamState<P extends Tree> = { m: P; v: P };

export const ADAMW_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clipNorm: 1.0, warmupSteps: 0, totalSteps: 0, minLrRatio: 0.1 };

export function zerosLike<P extends Tree>(params: P): P {
  return tree.map((p: A) => np.zeros(p.shape, { dtype: p.dtype }), params) as P;
}

export function initAdam<P extends Tree>(params: P): AdamState<P> {
  return { m: zerosLike(params), v: zerosLike(params) };
}

/** Warmup (linear from 0) then cosine decay to minLrRatio·lr; `step` counts from 1. */
export function learningRate(cfg: AdamWConfig, step: number): number {
  const c = { ...ADAMW_DEFAULTS, ...cfg };
  if (c.warmupSteps > 0 && step <= c.warmupSteps) return (c.lr * step) / c.warmupSteps;
  if (c.totalSteps <= c.warmupSteps) return c.lr;
  const t = Math.min(1, (step - c.warmupSteps) / (c.totalSteps - c.warmupSteps));
  return c.lr * (c.minLrRatio + (1 - c.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** Per-step scalars for adamwUpdate, computed on the host in float64. */
export function adamHyper(cfg: AdamWConfig, step: number): { lr: number; bc1: number; bc2: number } {
  const c = { ...ADAMW_DEFAULTS, ...cfg };
  return { lr: learningRate(cfg, step), bc1: 1 - c.beta1 ** step, bc2: 1 - c.beta2 ** step };
}

/** Global L2 norm of a gradient tree (consumes it). */
export function globalNorm(grads: Tree): A {
  const leaves = tree.leaves(grads) as A[];
  let total: A | undefined;
  for (const g of leaves) {
    const s = np.square(g).sum();
    total = total ? total.add(s) : s;
  }
  return np.sqrt(total ?? np.zeros([]));
}

/**
 * One AdamW step. Consumes params, grads and state; returns the new ones and the gradient norm
 * before clipping. `lr`, `bc1` = 1-β1^t and `bc2` = 1-β2^t are scalar arrays.
 */
export function adamwUpdate<P extends Tree>(params: P, grads: P, state: AdamState<P>, lr: A, bc1: A, bc2: A, cfg: AdamWConfig): { params: P; state: AdamState<P>; gradNorm: A } {
  const c = { ...ADAMW_DEFAULTS, ...cfg };
  const gradNorm = globalNorm(tree.ref(grads));
  let g = grads;
  if (c.clipNorm > 0) {
    const scale = np.minimum(np.array(1), np.array(c.clipNorm).div(gradNorm.ref.add(1e-6)));
    const gs = tree.leaves(g) as A[];
    const scaled = gs.map((x, i) => x.mul(i + 1 < gs.length ? scale.ref : scale));
    g = tree.unflatten(tree.structure(grads), scaled) as P;
  }
  const [ps, def] = tree.flatten(params) as [A[], ReturnType<typeof tree.structure>];
  const gs = tree.leaves(g) as A[];
  const ms = tree.leaves(state.m) as A[];
  const vs = tree.leaves(state.v) as A[];
  const newP: A[] = [], newM: A[] = [], newV: A[] = [];
  const n = ps.length;
  ps.forEach((p, i) => {
    const last = i + 1 === n;
    const gi = gs[i]!;
    const m = ms[i]!.mul(c.beta1).add(gi.ref.mul(1 - c.beta1));
    const v = vs[i]!.mul(c.beta2).add(np.square(gi).mul(1 - c.beta2));
    const mhat = m.ref.div(last ? bc1 : bc1.ref);
    const vhat = v.ref.div(last ? bc2 : bc2.ref);
    let update = mhat.div(np.sqrt(vhat).add(c.eps));
    if (c.weightDecay > 0 && p.ndim >= 2) update = update.add(p.ref.mul(c.weightDecay));
    newP.push(p.sub(update.mul(last ? lr : lr.ref)));
    newM.push(m);
    newV.push(v);
  });
  if (n === 0) { lr.dispose(); bc1.dispose(); bc2.dispose(); }
  return {
    params: tree.unflatten(def, newP) as P,
    state: { m: tree.unflatten(def, newM) as P, v: tree.unflatten(def, newV) as P },
    gradNorm,
  };
}

/** EMA: ema ← decay·ema + (1 − decay)·params (consumes both; decay is a scalar array). */
export function emaUpdate<P extends Tree>(ema: P, params: P, decay: A): P {
  const es = tree.leaves(ema) as A[];
  const ps = tree.leaves(params) as A[];
  const out = es.map((e, i) => {
    const d = i + 1 < es.length ? decay.ref : decay;
    return e.mul(d.ref).add(ps[i]!.mul(np.array(1).sub(d)));
  });
  if (es.length === 0) decay.dispose();
  return tree.unflatten(tree.structure(ema), out) as P;
}
