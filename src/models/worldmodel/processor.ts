/** Pre-processing between dataset frames and the world model: pooling, scaling, SIGReg directions. */
import { Rng } from '../../rng.ts';
import type { WindowBatch } from '../../data/loader.ts';

/**
 * uint8 frames [N, S, S, 3] (concatenated) → float32 [N, s, s, 3] in [0, 1], average-pooled by an
 * integer factor S/s on the host (cheap, and the encoder then runs on 4× fewer pixels).
 */
export function poolFrames(frames: Uint8Array, count: number, size: number, out: number): Float32Array<ArrayBuffer> {
  const f = size / out;
  if (!Number.isInteger(f) || f < 1) throw new Error(`cannot pool ${size}px frames to ${out}px`);
  const res = new Float32Array(count * out * out * 3);
  const scale = 1 / (255 * f * f);
  for (let n = 0; n < count; n++) {
    const src = n * size * size * 3, dst = n * out * out * 3;
    for (let y = 0; y < out; y++) {
      for (let x = 0; x < out; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) sum += frames[src + ((y * f + dy) * size + (x * f + dx)) * 3 + c]!;
          res[dst + (y * out + x) * 3 + c] = sum * scale;
        }
      }
    }
  }
  return res;
}

/** K random unit directions in R^D as a [D, K] matrix (SIGReg draws fresh ones every step). */
export function randomDirections(d: number, k: number, seed: number, step: number): Float32Array<ArrayBuffer> {
  const rng = new Rng(seed, `sigreg/${step}`);
  const out = new Float32Array(d * k);
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = 0; i < d; i++) { const v = rng.normal(); out[i * k + j] = v; norm += v * v; }
    norm = Math.sqrt(norm);
    for (let i = 0; i < d; i++) out[i * k + j]! /= norm;
  }
  return out;
}

/**
 * Windows of (T − 1)·F + 1 consecutive frames → windows of T model frames F apart (frame skip):
 * images and state of frames 0, F, 2F, …; each model frame's action is the mean of the F actions
 * from it to the next model frame (the last frame keeps its own action, which no loss uses).
 */
export function skipFrames(b: WindowBatch, f: number): WindowBatch {
  if (f === 1) return b;
  if (b.goals) throw new Error('frame skip does not support goal frames (time-to-reach)');
  const T = Math.floor((b.window - 1) / f) + 1;
  const pick = <A extends Uint8Array | Float32Array>(src: A, per: number, make: (n: number) => A): A => {
    const out = make(b.batch * T * per);
    for (let i = 0; i < b.batch; i++) for (let t = 0; t < T; t++) out.set(src.subarray((i * b.window + t * f) * per, (i * b.window + t * f + 1) * per), (i * T + t) * per);
    return out;
  };
  const frames = b.batch * b.window;
  const images = Object.fromEntries(Object.entries(b.images).map(([k, v]) => [k, pick(v, v.length / frames, (n) => new Uint8Array(n))]));
  const A = b.action.length / frames;
  const action = new Float32Array(b.batch * T * A);
  for (let i = 0; i < b.batch; i++) {
    for (let t = 0; t < T; t++) {
      const span = t < T - 1 ? f : 1;
      for (let j = 0; j < span; j++) for (let a = 0; a < A; a++) action[(i * T + t) * A + a]! += b.action[(i * b.window + t * f + j) * A + a]! / span;
    }
  }
  return { ...b, window: T, images, state: pick(b.state, b.state.length / frames, (n) => new Float32Array(n)), action };
}
