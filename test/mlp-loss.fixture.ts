/** A small MLP regression loss (a mean over the batch, so shards average to the full batch's gradient) for the data-parallel tests. */
import '../src/nn/polyfills.ts';
import { numpy as np } from '@jax-js/jax';

export type MlpParams = { w1: np.Array; b1: np.Array; w2: np.Array };

/** Fixed, seedless initial parameters (deterministic values from a closed form). */
export function mlpParams(): MlpParams {
  const vals = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + k) * 0.3);
  return { w1: np.array(vals(4 * 8, 1)).reshape([4, 8]), b1: np.array(vals(8, 2)), w2: np.array(vals(8 * 2, 3)).reshape([8, 2]) };
}

/** Mean squared error of a tanh MLP, with the loss vector [loss, mean |prediction|]. */
export function mlpLoss(p: MlpParams, x: np.Array, y: np.Array): np.Array {
  const pred = np.matmul(np.tanh(np.matmul(x, p.w1).add(p.b1)), p.w2);
  const mse = np.mean(np.square(pred.ref.sub(y)));
  return np.stack([mse, np.mean(np.abs(pred))]);
}
