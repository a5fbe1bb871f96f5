/**
 * Parameter initialisation on the host from our seeded Rng, then uploaded to the default device:
 * the same seed gives the same bytes on every device (wasm, webgpu, cpu), and each parameter's
 * stream is keyed by its name, so adding a layer never changes another layer's initial values.
 */
import './polyfills.ts';
import { numpy as np } from '@jax-js/jax';
import { Rng } from '../rng.ts';

export type Initializer = 'lecun' | 'he' | 'xavier' | 'zeros' | 'ones' | { normal: number } | { uniform: number };

/** fan-in / fan-out of a weight with this shape ([..., in, out] convention). */
function fans(shape: number[]): [number, number] {
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  const out = shape[shape.length - 1]!;
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return [fanIn, out];
}

export function initArray(seed: number, name: string, shape: number[], init: Initializer, dtype = np.float32): np.Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  const rng = new Rng(seed, `param/${name}`);
  const [fanIn, fanOut] = fans(shape);
  if (init === 'ones') data.fill(1);
  else if (init !== 'zeros') {
    if (typeof init === 'object' && 'uniform' in init) {
      for (let i = 0; i < n; i++) data[i] = rng.uniform(-init.uniform, init.uniform);
    } else {
      const std = typeof init === 'object' ? init.normal
        : init === 'lecun' ? Math.sqrt(1 / fanIn)
        : init === 'he' ? Math.sqrt(2 / fanIn)
        : Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) data[i] = std * rng.normal();
    }
  }
  const arr = np.array(data).reshape(shape);
  return dtype === np.float32 ? arr : arr.astype(dtype);
}
