/**
 * Time-to-reach head: a learned distance on the world model's latent space, d(z, g) ≈ the number of
 * steps the data needed to get from the frame with latent z to the frame with latent g.
 *
 * Why: plain embedding distance tracks how different two frames *look*, not how far apart they
 * are *in time*. In two-room an agent on the wrong side of the wall is close to the goal in the
 * image (and in any latent that encodes position) yet 20 steps away through the door, so a greedy
 * planner on ‖ẑ − z_goal‖ pushes into the wall. Fitting d on pairs of frames from the same
 * episode (frozen encoder, targets = step gaps) gives planning a cost-to-go that routes through
 * the door (temporal-distance / quasimetric goal representations; PLDM's time-similarity term is
 * the one-step version of the same idea). The lower expectile makes d lean toward the fastest gap
 * the data shows rather than the average of a noisy policy's detours.
 */
import '../../nn/polyfills.ts';
import { numpy as np } from '@jax-js/jax';
import { initMLP, mlp, mlpFlops, type MLPParams } from '../../nn/layers.ts';

type A = np.Array;

export type ReachTimeParams = MLPParams;

/** Step gaps are regressed in units of this many steps (keeps targets near 1). */
export const REACH_TIME_UNIT = 10;

export function initReachTime(latentDim: number, hidden: number, seed: number): ReachTimeParams {
  return initMLP(seed, 'reach_time', [3 * latentDim, hidden, hidden, 1], 'gelu');
}

/** d(z, g) in steps for latents z [N, D] and goals g [N, D] → [N]. Consumes its arguments. */
export function reachTime(p: ReachTimeParams, z: A, g: A): A {
  const n = z.shape[0]!;
  const diff = z.ref.sub(g.ref);
  const out = mlp(p, np.concatenate([z, g, diff], -1), 'gelu').reshape([n]);
  // softplus keeps d ≥ 0 without a dead zone.
  return np.log(np.exp(out).add(1)).mul(REACH_TIME_UNIT);
}

/**
 * Expectile regression of d(z_i, z_j) on the gap j − i (both in steps): weight τ where the
 * prediction is above the target and 1 − τ below, so τ < 0.5 pulls d toward the short gaps.
 * mask [N] (1 or 0) selects the pairs that count (e.g. only episodes that reached their goal).
 */
export function reachTimeLoss(p: ReachTimeParams, z: A, g: A, gap: A, mask: A, tau: number): A {
  const err = reachTime(p, z, g).sub(gap).mul(1 / REACH_TIME_UNIT);
  const above = err.ref.greater(0).astype(np.float32);
  const w = above.mul(2 * tau - 1).add(1 - tau).mul(mask.ref); // above: τ, below: 1 − τ
  return w.mul(np.square(err)).sum().div(mask.sum().add(1e-6));
}

export function reachTimeFlops(rows: number, latentDim: number, hidden: number): number {
  return mlpFlops(rows, [3 * latentDim, hidden, hidden, 1]);
}
