/**
 * Building blocks as (init, apply, flops) triples over plain parameter trees.
 *
 * Ownership (jax-js): every apply function consumes its parameters and inputs, like jax-js ops;
 * a caller that needs an array again passes `x.ref`. Shapes: features last; images NHWC.
 * FLOPs are analytic forward counts (2 per multiply-add of matmuls/convolutions; elementwise ops
 * are ignored, as in the usual accounting); a training step is ≈ 3× forward.
 */
import './polyfills.ts';
import { nn, numpy as np } from '@jax-js/jax';
import { initArray, type Initializer } from './init.ts';

type A = np.Array;

// ---- Linear ---------------------------------------------------------------------------------

export type LinearParams = { w: A; b: A };

export function initLinear(seed: number, name: string, inDim: number, outDim: number, init: Initializer = 'lecun', dtype = np.float32): LinearParams {
  return { w: initArray(seed, `${name}.w`, [inDim, outDim], init, dtype), b: initArray(seed, `${name}.b`, [outDim], 'zeros', dtype) };
}

export function linear(p: LinearParams, x: A): A {
  return np.matmul(x, p.w).add(p.b);
}

export function linearFlops(rows: number, inDim: number, outDim: number): number {
  return 2 * rows * inDim * outDim;
}

// ---- Activations ------------------------------------------------------------------------------

export type Activation = 'relu' | 'gelu' | 'tanh' | 'silu' | 'none';

export function activate(x: A, act: Activation): A {
  switch (act) {
    case 'relu': return nn.relu(x);
    case 'gelu': return nn.gelu(x);
    case 'tanh': return np.tanh(x);
    case 'silu': return nn.silu(x);
    case 'none': return x;
  }
}

// ---- LayerNorm ----------------------------------------------------------------------------------

export type LayerNormParams = { g: A; b: A };

export function initLayerNorm(seed: number, name: string, dim: number, dtype = np.float32): LayerNormParams {
  return { g: initArray(seed, `${name}.g`, [dim], 'ones', dtype), b: initArray(seed, `${name}.b`, [dim], 'zeros', dtype) };
}

export function layerNorm(p: LayerNormParams, x: A, eps = 1e-5): A {
  const mean = x.ref.mean(-1, { keepdims: true });
  const centred = x.sub(mean);
  const variance = np.square(centred.ref).mean(-1, { keepdims: true });
  return centred.div(np.sqrt(variance.add(eps))).mul(p.g).add(p.b);
}

// ---- MLP and residual blocks ------------------------------------------------------------------

export type MLPParams = { layers: LinearParams[] };

/** dims = [in, hidden…, out]; activation between layers, none after the last. */
export function initMLP(seed: number, name: string, dims: number[], act: Activation = 'relu', dtype = np.float32): MLPParams {
  const layers: LinearParams[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    layers.push(initLinear(seed, `${name}.${i}`, dims[i]!, dims[i + 1]!, act === 'relu' && i + 2 < dims.length ? 'he' : 'lecun', dtype));
  }
  return { layers };
}

export function mlp(p: MLPParams, x: A, act: Activation = 'relu'): A {
  let h = x;
  p.layers.forEach((l, i) => {
    h = linear(l, h);
    if (i + 1 < p.layers.length) h = activate(h, act);
  });
  return h;
}

export function mlpFlops(rows: number, dims: number[]): number {
  let f = 0;
  for (let i = 0; i + 1 < dims.length; i++) f += linearFlops(rows, dims[i]!, dims[i + 1]!);
  return f;
}

export type ResidualMLPParams = { norm: LayerNormParams; mlp: MLPParams };

/** Pre-norm residual block: x + MLP(LN(x)), hidden width `hidden`. */
export function initResidualMLP(seed: number, name: string, dim: number, hidden: number, dtype = np.float32): ResidualMLPParams {
  return { norm: initLayerNorm(seed, `${name}.norm`, dim, dtype), mlp: initMLP(seed, `${name}.mlp`, [dim, hidden, dim], 'gelu', dtype) };
}

export function residualMLP(p: ResidualMLPParams, x: A): A {
  return x.ref.add(mlp(p.mlp, layerNorm(p.norm, x), 'gelu'));
}

// ---- Conv2d as im2col + matmul ------------------------------------------------------------------

export interface Conv2dConfig {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  padding?: number;
}

export type Conv2dParams = { w: A; b: A };

/**
 * Input channels rounded up to a multiple of 4. jax-js's Wasm matmul takes a scalar path ~60×
 * slower when the result's last dimension is not a multiple of 4 (measured: [32, 32768]·[32768, 27]
 * 238 ms vs 4 ms for 28 columns) — the weight gradient of an RGB conv (k·k·3 = 27 rows) hits it.
 * Zero channels cost a few FLOPs and keep every shape on the fast path.
 */
export function paddedChannels(c: number): number {
  return Math.ceil(c / 4) * 4;
}

export function initConv2d(seed: number, name: string, c: Conv2dConfig, dtype = np.float32): Conv2dParams {
  return {
    w: initArray(seed, `${name}.w`, [c.kernel * c.kernel * paddedChannels(c.inChannels), c.outChannels], 'he', dtype),
    b: initArray(seed, `${name}.b`, [c.outChannels], 'zeros', dtype),
  };
}

export function convOutSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/**
 * Conv2d over NHWC input as a sum of per-tap matmuls: y = Σ_(ky,kx) patch_(ky,kx)(x) · W_(ky,kx).
 * jax-js's lax.conv trains ~30–50× slower on Wasm than a matmul and compiles for minutes; gathering
 * all taps into one im2col matrix (concatenate) was 1.3–1.5× slower than this (measured on the
 * bench CNN). Patches come from contiguous slices of a stride-blocked view: pad, reshape to
 * [N, H/s, s, W/s, s, C], then pick block offset ⌊k/s⌋ and phase k mod s per kernel position.
 */
export function conv2d(p: Conv2dParams, x: A, c: Conv2dConfig): A {
  const k = c.kernel, s = c.stride ?? 1, pad = c.padding ?? 0;
  const [n, h, w, c0] = x.shape as [number, number, number, number];
  const ch = paddedChannels(c0);
  const ho = convOutSize(h, k, s, pad), wo = convOutSize(w, k, s, pad);
  if (k === s && pad === 0 && h % k === 0 && w % k === 0) {
    // Non-overlapping patches (a patch embedding): one transpose and one matmul.
    const xc = ch === c0 ? x : np.pad(x, [[0, 0], [0, 0], [0, 0], [0, ch - c0]]);
    const patches = xc.reshape([n, ho, k, wo, k, ch]).transpose([0, 1, 3, 2, 4, 5]).reshape([n, ho, wo, k * k * ch]);
    return np.matmul(patches, p.w).add(p.b);
  }
  const hp = s * Math.ceil((s * (ho - 1) + k) / s), wp = s * Math.ceil((s * (wo - 1) + k) / s);
  let xp = np.pad(x, [[0, 0], [pad, Math.max(0, hp - h - pad)], [pad, Math.max(0, wp - w - pad)], [0, ch - c0]]);
  if (xp.shape[1] !== hp || xp.shape[2] !== wp) xp = xp.slice([], [0, hp], [0, wp], []);
  const blocked = xp.reshape([n, hp / s, s, wp / s, s, ch]);
  const taps = p.w.reshape([k * k, ch, c.outChannels]);
  let y: A | undefined;
  for (let ky = 0; ky < k; ky++) {
    for (let kx = 0; kx < k; kx++) {
      const last = ky === k - 1 && kx === k - 1;
      const oy = Math.floor(ky / s), ox = Math.floor(kx / s);
      const patch = (last ? blocked : blocked.ref).slice([], [oy, oy + ho], ky % s, [ox, ox + wo], kx % s, []);
      const term = np.matmul(patch, (last ? taps : taps.ref).slice(ky * k + kx, [], []));
      y = y ? y.add(term) : term;
    }
  }
  return y!.add(p.b);
}

export function conv2dFlops(n: number, h: number, w: number, c: Conv2dConfig): number {
  const s = c.stride ?? 1, pad = c.padding ?? 0;
  return 2 * n * convOutSize(h, c.kernel, s, pad) * convOutSize(w, c.kernel, s, pad) * c.kernel * c.kernel * c.inChannels * c.outChannels;
}

// ---- Embeddings and sinusoidal features ----------------------------------------------------

export type EmbeddingParams = { table: A };

export function initEmbedding(seed: number, name: string, count: number, dim: number, dtype = np.float32): EmbeddingParams {
  return { table: initArray(seed, `${name}.table`, [count, dim], { normal: 0.02 }, dtype) };
}

/** Rows of the table for integer ids (any shape) → [..., dim]. */
export function embed(p: EmbeddingParams, ids: A): A {
  return np.take(p.table, ids, 0);
}

/** Transformer-style sin/cos features of positions or scalars: [n] → [n, dim] (host-computed). */
export function sinusoidal(values: ArrayLike<number>, dim: number, maxPeriod = 10_000): A {
  const half = Math.floor(dim / 2);
  const out = new Float32Array(values.length * dim);
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < half; j++) {
      const freq = Math.exp((-Math.log(maxPeriod) * j) / half);
      out[i * dim + j] = Math.sin(values[i]! * freq);
      out[i * dim + half + j] = Math.cos(values[i]! * freq);
    }
  }
  return np.array(out).reshape([values.length, dim]);
}

// ---- Attention -------------------------------------------------------------------------------

export type AttentionMask = 'none' | 'causal' | { blockCausal: number };

/** Additive mask [T, T]: 0 where query i may attend key j, -1e9 elsewhere. */
export function maskBias(t: number, mask: AttentionMask, dtype = np.float32): A {
  const out = new Float32Array(t * t);
  for (let i = 0; i < t; i++) {
    for (let j = 0; j < t; j++) {
      const ok = mask === 'none' ? true : mask === 'causal' ? j <= i : Math.floor(j / mask.blockCausal) <= Math.floor(i / mask.blockCausal);
      out[i * t + j] = ok ? 0 : -1e9;
    }
  }
  const a = np.array(out).reshape([t, t]);
  return dtype === np.float32 ? a : a.astype(dtype);
}

export type AttentionParams = { q: LinearParams; k: LinearParams; v: LinearParams; o: LinearParams };

export function initAttention(seed: number, name: string, dim: number, dtype = np.float32): AttentionParams {
  return {
    q: initLinear(seed, `${name}.q`, dim, dim, 'lecun', dtype),
    k: initLinear(seed, `${name}.k`, dim, dim, 'lecun', dtype),
    v: initLinear(seed, `${name}.v`, dim, dim, 'lecun', dtype),
    o: initLinear(seed, `${name}.o`, dim, dim, 'lecun', dtype),
  };
}

/** Multi-head self-attention over x [B, T, D]; `bias` is an additive [T, T] mask (consumed). */
export function attention(p: AttentionParams, x: A, heads: number, bias?: A): A {
  const [b, t, d] = x.shape as [number, number, number];
  const dh = d / heads;
  const split = (y: A) => y.reshape([b, t, heads, dh]).transpose([0, 2, 1, 3]); // [B, H, T, Dh]
  const q = split(linear(p.q, x.ref));
  const k = split(linear(p.k, x.ref));
  const v = split(linear(p.v, x));
  let scores = np.matmul(q, k.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(dh)); // [B, H, T, T]
  if (bias) scores = scores.add(bias);
  const out = np.matmul(nn.softmax(scores, -1), v); // [B, H, T, Dh]
  return linear(p.o, out.transpose([0, 2, 1, 3]).reshape([b, t, d]));
}

export function attentionFlops(b: number, t: number, d: number): number {
  return 4 * linearFlops(b * t, d, d) + 2 * (2 * b * t * t * d);
}

// ---- Transformer block ---------------------------------------------------------------------------

export type TransformerBlockParams = { ln1: LayerNormParams; attn: AttentionParams; ln2: LayerNormParams; mlp: MLPParams };

export function initTransformerBlock(seed: number, name: string, dim: number, hidden = 4 * dim, dtype = np.float32): TransformerBlockParams {
  return {
    ln1: initLayerNorm(seed, `${name}.ln1`, dim, dtype),
    attn: initAttention(seed, `${name}.attn`, dim, dtype),
    ln2: initLayerNorm(seed, `${name}.ln2`, dim, dtype),
    mlp: initMLP(seed, `${name}.mlp`, [dim, hidden, dim], 'gelu', dtype),
  };
}

/** Pre-norm block: x + Attn(LN(x)); x + MLP(LN(x)). */
export function transformerBlock(p: TransformerBlockParams, x: A, heads: number, bias?: A): A {
  const h = x.ref.add(attention(p.attn, layerNorm(p.ln1, x), heads, bias));
  return h.ref.add(mlp(p.mlp, layerNorm(p.ln2, h), 'gelu'));
}

export function transformerBlockFlops(b: number, t: number, d: number, hidden = 4 * d): number {
  return attentionFlops(b, t, d) + mlpFlops(b * t, [d, hidden, d]);
}
