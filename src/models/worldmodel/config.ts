/** JEPA world-model configuration (everything needed to rebuild the model from a checkpoint). */
export type Regularizer = 'vicreg' | 'sigreg';

export interface WorldModelConfig {
  /** Camera feature the model sees, e.g. `observation.images.top`. */
  imageKey: string;
  /** Source image size (square) and the size the encoder sees after average pooling. */
  imageSize: number;
  inputSize: number;
  /** First encoder layer: non-overlapping patch×patch embedding (0: a 3×3 stride-2 conv like the rest). */
  patch: number;
  channels: number[];
  latentDim: number;
  actionDim: number;
  /** Proprioceptive state dims fed to the encoder (0: images only). */
  stateDim: number;
  /** Frames of latent history the predictor sees (frame-causal). */
  history: number;
  predictorHidden: number;
  /** Multi-step autoregressive rollout loss length. */
  rolloutSteps: number;
  regularizer: Regularizer;
  /** Loss weights. */
  /** temporal: PLDM's time-similarity term ‖z_{t+1} − z_t‖², which makes latent distance track time to reach. */
  /** reachTime: time-to-reach head trained through the encoder (0: off; the planner then uses embedding distance). */
  weights: { teacher: number; rollout: number; variance: number; covariance: number; sigreg: number; idm: number; temporal: number; reachTime?: number };
}

export function defaultWorldModelConfig(over: Partial<WorldModelConfig> & Pick<WorldModelConfig, 'actionDim'>): WorldModelConfig {
  return {
    imageKey: 'observation.images.top',
    imageSize: 64,
    inputSize: 32,
    patch: 0,
    channels: [16, 32, 32],
    latentDim: 32,
    stateDim: 0,
    history: 2,
    predictorHidden: 256,
    rolloutSteps: 3,
    regularizer: 'vicreg',
    weights: { teacher: 1, rollout: 1, variance: 1, covariance: 0.04, sigreg: 1, idm: 0.5, temporal: 0, reachTime: 0 },
    ...over,
  };
}

/** Frames per training window: history, plus the rollout horizon. */
export function windowLength(c: WorldModelConfig): number {
  return c.history + c.rolloutSteps;
}
