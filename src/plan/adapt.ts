/**
 * Test-time adaptation of a world model's predictor inside one episode: between replans the
 * predictor takes a few gradient steps on the transitions the agent has just lived through (its
 * own observed latents and the actions it took), so a dynamics error the planner keeps running
 * into — a wall the model lets the agent through in a layout it never saw — is corrected where it
 * happens. The encoder and readout stay frozen (the observed latents are the targets), and every
 * episode starts again from the trained weights: nothing carries over between scenes.
 *
 * Why: the two-room models plan ~90 % of memorised layouts but ~50 % of unseen ones, and most
 * failures end pressed against the wall — the model predicts the push goes through, the world
 * says it does not, and without adaptation the planner asks the same question every replan.
 */
import '../nn/polyfills.ts';
import { numpy as np, tree } from '@jax-js/jax';
import { Trainer } from '../nn/trainer.ts';
import { frameSkip, latentSize, type WorldModelConfig } from '../models/worldmodel/config.ts';
import { predictorFlops, readout, rolloutLatents, type KeypointParams, type PredictorParams, type WorldModelParams } from '../models/worldmodel/model.ts';
import { Rng } from '../rng.ts';

type A = np.Array;

export interface AdaptConfig {
  /** Gradient steps per replan (0: off). */
  steps: number;
  /** Adam learning rate of those steps. */
  lr: number;
  /** Windows per gradient step: half the most recent, half drawn from the whole episode so far. */
  windows: number;
  /** Model steps of autoregressive rollout each window is scored on. */
  rollout: number;
}

export const ADAPT_DEFAULTS: AdaptConfig = { steps: 0, lr: 1e-4, windows: 8, rollout: 2 };

/** Keypoint readouts: the planner compares the keypoints of map latents. */
const hasKeypoints = (c: WorldModelConfig) => c.latent === 'map' && c.readout === 'keypoints';

/**
 * Loss of the predictor on observed windows: a `rollout`-step autoregressive rollout from the true
 * history, scored against the observed latents — the map's mean squared error plus, for keypoint
 * readouts, the squared error of the keypoints the planner compares (readout sharpness fixed).
 * Returns [total, map, keypoints].
 */
export function adaptationLoss(c: WorldModelConfig) {
  const keypoints = hasKeypoints(c);
  return (p: PredictorParams, logBeta: A, hist: A, actions: A, targets: A): A => {
    const [b, K] = actions.shape as [number, number];
    const D = latentSize(c);
    const pred = rolloutLatents(p, hist, actions, c).reshape([b * K, D]);
    const tgt = targets.reshape([b * K, D]);
    const mapErr = np.square(pred.ref.sub(tgt.ref)).mean();
    let kpErr: A;
    if (keypoints) {
      const kp = readout({ logBeta: logBeta.ref } as KeypointParams, pred, c);
      kpErr = np.square(kp.sub(readout({ logBeta } as KeypointParams, tgt, c))).sum(-1).mean();
    } else {
      tree.dispose([pred, tgt, logBeta]);
      kpErr = np.zeros([]);
    }
    return np.stack([mapErr.ref.add(kpErr.ref), mapErr, kpErr]);
  };
}

/**
 * One model's adaptation within an episode: records each observed latent and the action taken
 * after it, and on `adapt` trains a copy of the predictor on windows of that record. `predictor`
 * is the copy to plan with (owned here; valid until the next `adapt` or `reset`).
 */
export class EpisodeAdapter {
  private readonly trainer: Trainer<PredictorParams>;
  private readonly base: PredictorParams;
  private readonly logBeta: A;
  private readonly F: number;
  private latents: Float32Array[] = [];
  private actions: Float64Array[] = [];
  private rng = new Rng(0, 'adapt');
  /** Forward-equivalent FLOPs of the gradient steps taken (backward counted as twice the forward). */
  flops = 0;
  /** Loss parts [total, map, keypoints] of the last step, before its update. */
  lastLoss: number[] = [];

  constructor(params: WorldModelParams, private readonly wm: WorldModelConfig, readonly config: AdaptConfig) {
    this.base = params.predictor;
    this.F = frameSkip(wm);
    // Borrowed from the model for keypoint readouts (a placeholder otherwise, owned here).
    this.logBeta = hasKeypoints(wm) ? (params.readout as KeypointParams).logBeta : np.zeros([1]);
    this.trainer = new Trainer<PredictorParams>(adaptationLoss(wm), copy(this.base), { optimizer: { lr: config.lr, weightDecay: 0, clipNorm: 1 } });
  }

  get predictor(): PredictorParams {
    return this.trainer.params;
  }

  /** A new episode: the trained weights again, an empty record. */
  reset(seed: number): void {
    this.trainer.restart(copy(this.base));
    this.latents = [];
    this.actions = [];
    this.rng = new Rng(seed, 'adapt');
  }

  observe(z: Float32Array): void {
    this.latents.push(z);
  }

  took(action: ArrayLike<number>): void {
    this.actions.push(Float64Array.from(action));
  }

  /**
   * Window start frames t whose history (t − (history−1)·F … t) and `rollout` model steps after it
   * (actions t … t + rollout·F − 1, latents up to t + rollout·F) have all been observed.
   */
  private starts(): number[] {
    const { history } = this.wm;
    const K = this.config.rollout, F = this.F;
    const first = (history - 1) * F;
    const last = Math.min(this.latents.length - 1, this.actions.length) - K * F;
    const out: number[] = [];
    for (let t = last; t >= first; t--) out.push(t);
    return out;
  }

  /** `config.steps` gradient steps on the episode so far; false when too little has been observed. */
  adapt(): boolean {
    const starts = this.starts();
    if (starts.length === 0 || this.config.steps <= 0) return false;
    const { history, actionDim } = this.wm;
    const D = latentSize(this.wm), K = this.config.rollout, F = this.F, B = this.config.windows;
    for (let s = 0; s < this.config.steps; s++) {
      const hist = new Float32Array(B * history * D);
      const acts = new Float32Array(B * K * actionDim);
      const targets = new Float32Array(B * K * D);
      for (let i = 0; i < B; i++) {
        // Recent windows hold what the model just got wrong; older ones keep it honest elsewhere.
        const t = i < B / 2 ? starts[i % starts.length]! : starts[this.rng.int(starts.length)]!;
        for (let h = 0; h < history; h++) hist.set(this.latents[t - (history - 1 - h) * F]!, (i * history + h) * D);
        for (let k = 0; k < K; k++) {
          // A model step's action is the mean of the F actions it spans (as in training).
          for (let f = 0; f < F; f++) {
            const a = this.actions[t + k * F + f]!;
            for (let j = 0; j < actionDim; j++) acts[(i * K + k) * actionDim + j]! += a[j]! / F;
          }
          targets.set(this.latents[t + (k + 1) * F]!, (i * K + k) * D);
        }
      }
      const stats = this.trainer.trainSync(this.logBeta.ref, np.array(hist).reshape([B, history, D]),
        np.array(acts).reshape([B, K, actionDim]), np.array(targets).reshape([B, K, D]));
      this.lastLoss = stats.parts;
      this.flops += 3 * K * predictorFlops(this.wm, B);
    }
    return true;
  }

  dispose(): void {
    this.trainer.dispose();
    if (!hasKeypoints(this.wm)) this.logBeta.dispose();
  }
}

/** A fresh copy of a parameter tree (new arrays, the source untouched). */
function copy<T extends PredictorParams>(p: T): T {
  return tree.map((x: A) => x.ref.add(0), p) as T;
}
