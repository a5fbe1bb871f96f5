/** Pre-processing between dataset frames and the world model: pooling, scaling, SIGReg directions. */
import { Rng } from '../../rng.ts';

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
