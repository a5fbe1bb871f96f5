/** JEPA world-model configuration (everything needed to rebuild the model from a checkpoint). */
export type Regularizer = 'vicreg' | 'sigreg';
/**
 * 'vector': the encoder ends in a linear projection to latentDim and an MLP predicts the next vector.
 * 'map': the encoder ends in a spatial feature map (S×S×mapChannels) and a convolutional predictor
 * predicts the next map — walls and doors keep their place, and the predictor's rule ("the agent
 * moves unless something is in the way") is the same at every location, so it carries over to
 * layouts never seen in training. A linear readout of the map to latentDim gives the planning
 * embedding (and carries VICReg/SIGReg, IDM and the time-similarity term).
 */
export type LatentKind = 'vector' | 'map';
/**
 * How a 'map' latent becomes the planning embedding. 'linear': a learned projection to latentDim.
 * 'keypoints': a spatial softmax per channel → the expected (x, y) of each channel over the map
 * (Levine et al.'s deep spatial autoencoders), latentDim = 2 × mapChannels. A channel that fires on
 * the agent then gives the agent's coordinates, so embedding distance is distance on the floor
 * and inverse dynamics is a difference of coordinates — easy to learn from a few-pixel agent.
 */
export type ReadoutKind = 'linear' | 'keypoints';

export interface WorldModelConfig {
  /** Camera feature the model sees, e.g. `observation.images.top`. */
  imageKey: string;
  /** Source image size (square) and the size the encoder sees after average pooling. */
  imageSize: number;
  inputSize: number;
  /** First encoder layer: non-overlapping patch×patch embedding (0: a 3×3 stride-2 conv like the rest). */
  patch: number;
  channels: number[];
  /**
   * Stride of each encoder layer after the first (absent: 2 for every one). 'map' latents with
   * `--map-size 16` keep the patch grid (stride 1): 4-px cells, so the 2-px wall of two-room sits in
   * one column of cells instead of a quarter of one, and the predictor can stop the agent at it.
   */
  strides?: number[];
  /**
   * Kernel of the encoder's convs after the patch embedding (absent: 3). A 3×3 stride-2 conv sees
   * patches 2i−1..2i+1, so its cell is off-centre and a wall in the first half of a cell reaches one
   * cell only; a 4×4 one (padding 1) sees 2i−1..2i+2, centred on the cell, so every wall reaches two.
   */
  encoderKernel?: number;
  latentDim: number;
  /** Latent kind (absent in configs written before it existed: 'vector'). */
  latent?: LatentKind;
  /** 'map' latents: channels of the latent map and of the convolutional predictor's hidden layers. */
  mapChannels?: number;
  mapHidden?: number;
  /**
   * 'map' latents: transport radius R of the predictor (absent/0: a residual predictor, next = last
   * + conv(...)). With R ≥ 1 each cell of the next map gathers the last map from its (2R+1)² neighbours
   * with softmax weights the predictor computes per cell (a dynamic filter shared by the channels),
   * blended in per channel by a predicted gate, plus a residual: moving a blob is a re-weighting,
   * and "the agent stops here" is one logit (the centre) winning, instead of a residual that must
   * cancel the motion it would otherwise add.
   */
  mapTransport?: number;
  /**
   * Multi-step inverse dynamics (AC-State's multi-step inverse model): the IDM head sees pairs
   * of frames this many steps apart and predicts the mean action between them. A few-pixel
   * agent moves 2 px a step but 8 px over 4, so the longer gaps give the encoder a signal it can
   * find before it sees the agent precisely (consecutive frames alone gave it none in 1000 steps).
   * Absent: 1 (consecutive frames).
   */
  idmMaxGap?: number;
  /**
   * Training steps at the start during which the inverse-dynamics loss trains alone: the encoder
   * first finds what the actions move (a few-pixel agent), then prediction and anti-collapse terms
   * join. With all terms from step 0 the images-only two-room encoder never found the agent in
   * 1000 steps; with IDM alone it did within ~350. Absent: 0.
   */
  idmWarmup?: number;
  /**
   * Steps after the IDM warm-up over which the other terms' weight rises linearly from 0 to 1
   * (instead of all joining at once at full learning rate). Absent: 0 (a step change).
   */
  idmRamp?: number;
  /**
   * Stop-gradient on the prediction targets (teacher-forcing and rollout): the encoder is trained
   * by prediction only through the predictor's inputs, so it cannot lower the loss by making the
   * next frame's latent easier to hit (e.g. by dropping a hard-to-predict agent). Absent: off.
   */
  targetStopGrad?: boolean;
  /**
   * Per-image input normalisation: subtract each image's mean colour (×3 contrast) instead of a
   * fixed 0.5. Removes the floor/wall colour shifts between scenes, so a few-pixel agent is the
   * strongest signal left; absent: off.
   */
  centerImages?: boolean;
  /** 'map' latents: how the planning embedding is read out (absent: 'linear'). */
  readout?: ReadoutKind;
  actionDim: number;
  /** Proprioceptive state dims fed to the encoder (0: images only). */
  stateDim: number;
  /**
   * Environment steps per model step (DINO-WM's frameskip; absent: 1). The model sees every F-th
   * frame and each step's action is the mean of the F actions it spans — the planner holds one
   * action for F steps, where the mean is that action. A 30-step plan is then 30/F predictor
   * calls, and the rollout loss spans F× more time at the same cost.
   */
  frameSkip?: number;
  /** Frames of latent history the predictor sees (frame-causal). */
  history: number;
  predictorHidden: number;
  /** Multi-step autoregressive rollout loss length. */
  rolloutSteps: number;
  regularizer: Regularizer;
  /**
   * How the plan-rollout term weighs the keypoint coordinates. 'uniform' (absent): every coordinate
   * alike. 'motion': each coordinate by the variance of its true displacement over the batch
   * (stop-gradient, mean 1), so keypoints parked on static features, which are most of them and
   * trivially "predicted", stop diluting the few that follow the agent.
   */
  planRolloutWeighting?: 'uniform' | 'motion';
  /**
   * Let the plan-rollout term's gradient reach the encoder through the predictor's *inputs* (the
   * history maps); targets and keypoint sharpness stay fixed. The map losses do not need walls
   * (a residual predictor copies static features for free), so the encoder keeps them faint;
   * through this path, windows where a wall stops the agent ask the encoder to show the wall.
   * Absent: off (the encoder gets no gradient from the term).
   */
  planRolloutInputGrad?: boolean;
  /**
   * Weigh each window of the plan-rollout term by its own error (stop-gradient, mean 1), so the
   * rare windows the predictor gets most wrong — the agent stopped by a wall while the action
   * pushes on, about 3 % of two-room transitions — count in proportion to how wrong they are.
   * Absent: off.
   */
  planRolloutHard?: boolean;
  /** Loss weights. */
  /** temporal: PLDM's time-similarity term ‖z_{t+1} − z_t‖², which makes latent distance track time to reach. */
  /** reachTime: time-to-reach head trained through the encoder (0: off; the planner then uses embedding distance). */
  /**
   * planRollout: keypoint readouts only — the rollout scored on the planning embedding, with the
   * encoder and readout held fixed (stop-gradient), so only the predictor learns from it. The map
   * loss is dominated by the static scene; this term is the agent's motion (0/absent: off; see
   * planRolloutInputGrad for the encoder path through the predictor's inputs).
   */
  /**
   * mapRecon: map latents only — an auxiliary per-cell linear decoder reads each map cell's pixels
   * (grey levels of the encoder's input, P×P per cell) back from its channels, trained through the
   * encoder. No JEPA term needs the static scene (a residual predictor copies it for free), so
   * walls and doors stay faint in the map (per-cell probe AUC ≈ 0.94 / 0.85); this term asks the
   * map to show where they are, to the pixel. The planner never decodes (0/absent: off).
   */
  weights: { teacher: number; rollout: number; variance: number; covariance: number; sigreg: number; idm: number; temporal: number; reachTime?: number; planRollout?: number; mapRecon?: number };
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

/** Floats per frame latent as the predictor sees it: latentDim, or the flattened map. */
export function latentSize(c: WorldModelConfig): number {
  if (c.latent !== 'map') return c.latentDim;
  const s = mapSize(c);
  return s * s * (c.mapChannels ?? 16);
}

/** Encoder layer i's stride: the patch for a patch embedding, else config.strides (default 2). */
export function encoderStride(c: WorldModelConfig, i: number): number {
  if (i === 0 && c.patch > 0) return c.patch;
  return c.strides?.[i - 1] ?? 2;
}

/** Side of the latent map: the input divided by the patch, then by each conv's stride (padding 1). */
export function mapSize(c: WorldModelConfig): number {
  let s = c.inputSize;
  c.channels.forEach((_, i) => { const st = encoderStride(c, i); s = i === 0 && c.patch > 0 ? Math.floor(s / st) : Math.floor((s + 2 - encoderKernel(c)) / st) + 1; });
  return s;
}

/** Kernel of the encoder's convs after the patch embedding (config.encoderKernel, default 3). */
export function encoderKernel(c: WorldModelConfig): number {
  return c.encoderKernel ?? 3;
}

/** Model frames per training window: history, plus the rollout horizon. */
export function windowLength(c: WorldModelConfig): number {
  return c.history + c.rolloutSteps;
}

/** Environment steps per model step (config.frameSkip, default 1). */
export function frameSkip(c: WorldModelConfig): number {
  return c.frameSkip ?? 1;
}

/** Dataset frames a training window spans: model frames F apart (the last one's action unused). */
export function envWindowLength(c: WorldModelConfig): number {
  return (windowLength(c) - 1) * frameSkip(c) + 1;
}
