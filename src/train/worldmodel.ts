/**
 * `umwelt train world-model`: trains the JEPA world model on a LeRobot dataset.
 * Run folder: config.json, metrics.jsonl (loss terms + collapse monitor), checkpoints/last.safetensors
 * (written atomically), ledger.json. Re-running with the same --out resumes from the checkpoint.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../nn/polyfills.ts';
import { jit, numpy as np, tree } from '@jax-js/jax';
import { InputError } from '../errors.ts';
import { hashString } from '../rng.ts';
import { openDataset, readJsonl, type Dataset } from '../data/reader.ts';
import { WindowLoader, type WindowBatch } from '../data/loader.ts';
import { augmentFrames, hueAngles, pixelShifts, type WindowAugment } from './augment.ts';
import { useDevice, type NNDevice } from '../nn/runtime.ts';
import { Trainer } from '../nn/trainer.ts';
import { restoreTree } from '../nn/checkpoint.ts';
import { loadCheckpoint, saveCheckpoint } from '../node/checkpoint.ts';
import { DataParallelTrainer, deviceArgs, type HostArray } from '../node/data-parallel.ts';
import { wasmThreads } from '../node/wasm-threads.ts';
import { ComputeLedger, type LedgerEntry } from '../ledger/ledger.ts';
import { columnStd, effectiveRank } from '../eval/linalg.ts';
import { defaultWorldModelConfig, envWindowLength, frameSkip, mapSize, windowLength, type LatentKind, type ReadoutKind, type Regularizer, type WorldModelConfig } from '../models/worldmodel/config.ts';
import { encode, initWorldModel, readout, LOSS_PARTS, worldModelFlops, worldModelLosses, type WorldModelParams } from '../models/worldmodel/model.ts';
import { poolFrames, randomDirections, skipFrames } from '../models/worldmodel/processor.ts';
import { fitStallModel, stallCopies } from './stalls.ts';
import { MotionWatch, restScale } from './motion-watch.ts';
import type { EpisodeData } from '../data/episode.ts';

// Hyperparameters (defaults; the CLI can override steps, batch, lr, regularizer, seed, device).
export const WM_DEFAULTS = { steps: 3000, batch: 32, lr: 1e-3, warmup: 200, weightDecay: 1e-4, sigregDirections: 64, checkpointEvery: 500, monitorEvery: 250 };

export interface TrainWorldModelOptions {
  data: string;
  out: string;
  steps?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  device?: NNDevice;
  regularizer?: Regularizer;
  /** 'vector' (default) or 'map' (spatial latent + convolutional predictor). */
  latent?: LatentKind;
  /** 'map' latents: planning-embedding readout (default 'linear'). */
  readout?: ReadoutKind;
  /** Longest inverse-dynamics gap in frames (config.idmMaxGap; default 1). */
  idmGap?: number;
  /** Steps of inverse-dynamics-only training at the start (config.idmWarmup; default 0). */
  idmWarmup?: number;
  /** Steps after the warm-up over which the other terms ramp in (config.idmRamp; default 0). */
  idmRamp?: number;
  /** Stop-gradient on the prediction targets (config.targetStopGrad). */
  targetStopGrad?: boolean;
  /** Steps of the autoregressive rollout loss (config.rolloutSteps; default in config). */
  rolloutSteps?: number;
  /** Per-image mean-colour subtraction at the encoder input (config.centerImages). */
  centerImages?: boolean;
  proprio?: boolean;
  /** Inverse-dynamics loss weight (default in config). */
  idmWeight?: number;
  /** Time-similarity loss weight (PLDM; default 0). */
  temporalWeight?: number;
  /** VICReg variance (std hinge) weight (default in config: 1). */
  varianceWeight?: number;
  /** VICReg covariance weight (default in config: 0.04). */
  covarianceWeight?: number;
  /** Time-to-reach head loss weight (default 0: off). */
  reachTimeWeight?: number;
  /** Keypoint readouts: predictor-only rollout loss on the planning embedding (default 0: off). */
  planRolloutWeight?: number;
  /** Weight of the auxiliary map reconstruction term (config.weights.mapRecon; map latents; 0: off). */
  mapReconWeight?: number;
  /** How the plan-rollout term weighs keypoint coordinates (config.planRolloutWeighting; default 'uniform'). */
  planRolloutWeighting?: 'uniform' | 'motion';
  /** Plan-rollout windows weighted by their own error (config.planRolloutHard). */
  planRolloutHard?: boolean;
  /** Environment steps per model step (config.frameSkip; default 1). */
  frameSkip?: number;
  /** Plan-rollout gradient reaches the encoder through the predictor's inputs (config.planRolloutInputGrad). */
  planRolloutInputGrad?: boolean;
  /** 'map' latents: hidden channels of the convolutional predictor (config.mapHidden; default 32). */
  mapHidden?: number;
  /** 'map' latents: transport radius of the predictor (config.mapTransport; default 0: residual). */
  mapTransport?: number;
  /** Kernel of the encoder's convs after the patch embedding (config.encoderKernel; default 3). */
  encoderKernel?: number;
  /**
   * Windows with a stall (an action that did not move the agent as actions usually do: a wall in
   * the way; see stalls.ts) enter each epoch this many times (default 1: no oversampling).
   */
  stallOversample?: number;
  /** Rotate each training window's colours by a random angle in [−d, d] degrees (augment.ts; default 0: off). */
  hueJitter?: number;
  /** Shift each training window's frames by a random whole-pixel offset in [−p, p] per axis (augment.ts; default 0: off). */
  shiftJitter?: number;
  /** First training step that shifts (default 0); e.g. the end of the IDM warm-up, once the encoder has found the agent. */
  shiftJitterFrom?: number;
  /** 'map' latents: side of the latent map — the default (8 for 64-px images) or twice it (config.strides). */
  mapSize?: number;
  /**
   * Split each batch over this many single-threaded Wasm replicas, one per core (worker threads),
   * averaging their gradients (default 1). Per-shard batch statistics (VICReg) make it a slightly
   * different objective from one full batch, so a resumed run keeps its own value.
   */
  dataParallel?: number;
  /** Wall-clock budget in seconds: stop after the first step past it, checkpointed (resume to go on). */
  timeLimit?: number;
  onStep?: (step: number, total: number, loss: number) => void;
  /** A training-health warning (once per run: the embedding lost the agent after the IDM warm-up). */
  onWarning?: (message: string) => void;
}

export interface RunPaths { config: string; metrics: string; checkpoint: string; ledger: string }

export function runPaths(out: string): RunPaths {
  return { config: join(out, 'config.json'), metrics: join(out, 'metrics.jsonl'), checkpoint: join(out, 'checkpoints', 'last.safetensors'), ledger: join(out, 'ledger.json') };
}

/**
 * Batch arrays for the model from loader windows, on the host: pooled float images, state,
 * actions, then the goal frames' images, state, gaps and success mask (1-element placeholders
 * without goals). All but the placeholders have the batch on axis 0 and are marked for sharding
 * (data parallelism). `aug` (one hue angle and/or pixel shift per window) changes each window's
 * frames alike, goal included (augment.ts).
 */
export function batchHost(b: WindowBatch, c: WorldModelConfig, aug?: WindowAugment): HostArray[] {
  const frames = b.batch * b.window;
  const imgs = poolFrames(b.images[c.imageKey]!, frames, c.imageSize, c.inputSize);
  augmentFrames(imgs, b.batch, b.window, c.inputSize, aug);
  const sDim = b.state.length / frames;
  return [
    { data: imgs, shape: [b.batch, b.window, c.inputSize, c.inputSize, 3], split: true },
    c.stateDim > 0 ? { data: b.state, shape: [b.batch, b.window, sDim], split: true } : { data: null, shape: [b.batch, b.window, 0], split: true },
    { data: b.action, shape: [b.batch, b.window, c.actionDim], split: true },
    ...goalHost(b, c, aug),
  ];
}

function goalHost(b: WindowBatch, c: WorldModelConfig, aug?: WindowAugment): HostArray[] {
  const g = b.goals;
  if (!g) return [0, 1, 2, 3].map(() => ({ data: null, shape: [1], split: false }));
  const imgs = poolFrames(g.images[c.imageKey]!, b.batch, c.imageSize, c.inputSize);
  augmentFrames(imgs, b.batch, 1, c.inputSize, aug);
  return [
    { data: imgs, shape: [b.batch, c.inputSize, c.inputSize, 3], split: true },
    c.stateDim > 0 ? { data: g.state, shape: [b.batch, g.state.length / b.batch], split: true } : { data: null, shape: [b.batch, 0], split: true },
    { data: g.gap, shape: [b.batch], split: true },
    { data: g.success, shape: [b.batch], split: true },
  ];
}

/** The training objective's call signature: the batch arguments in batchHost's order, then the SIGReg directions and the rest scale. */
export function worldModelTrainingLoss(config: WorldModelConfig) {
  return (p: WorldModelParams, images: np.Array, state: np.Array, actions: np.Array, gi: np.Array, gs: np.Array, gg: np.Array, gm: np.Array, dirs: np.Array, rest: np.Array) =>
    worldModelLosses(p, images, state, actions, dirs, gi, gs, gg, gm, config, rest);
}

function requireFeatures(ds: Dataset, c: WorldModelConfig): void {
  const need = [c.imageKey, 'action', ...(c.stateDim > 0 ? ['observation.state'] : [])];
  const lacking = need.filter((k) => !ds.features[k]);
  if (lacking.length) throw new InputError(`dataset ${ds.dir} lacks ${lacking.map((k) => `'${k}'`).join(', ')}, which the world model needs`, `it has: ${Object.keys(ds.features).join(', ')}`);
}

/** `--oversample-stalls N`: the loader's copies per window, and what share of windows stall (for config.json). */
async function stallSampling(ds: Dataset, config: WorldModelConfig, n: number | undefined): Promise<{ copies: (ep: EpisodeData, start: number) => number; summary: { copies: number; stalled_windows: number } } | null> {
  if (!n || n <= 1) return null;
  if (!ds.features['observation.state']) throw new InputError('--oversample-stalls needs observation.state in the dataset (stalls are found from the recorded positions)', 'collect with a world that records state, or drop --oversample-stalls');
  const model = await fitStallModel(ds);
  const T = envWindowLength(config), copies = stallCopies(model, T, n);
  let windows = 0, stalled = 0;
  for (let e = 0; e < Math.min(ds.episodes.length, 100); e++) {
    const ep = await ds.readEpisode(e, { images: false });
    for (let s = 0; s + T <= ep.action.length; s++) { windows++; if (copies(ep, s) > 1) stalled++; }
  }
  return { copies, summary: { copies: n, stalled_windows: windows ? stalled / windows : 0 } };
}

/**
 * `--map-size`: the default map (the last encoder conv at stride 2) or twice its side (that conv
 * at stride 1). Finer cells cost ~3× the encoder and ~4× the predictor per map.
 */
function setMapSize(config: WorldModelConfig, size: number, latent: string): void {
  if (latent !== 'map') throw new InputError('--map-size needs --latent map (it sizes the latent map)', 'add --latent map, or drop --map-size');
  const coarse = mapSize(config);
  if (size === 2 * coarse) config.strides = config.channels.slice(1).map((_, i, a) => (i === a.length - 1 ? 1 : 2));
  else if (size !== coarse) throw new InputError(`--map-size ${size} is not available for ${config.inputSize}-px images`, `use ${coarse} or ${2 * coarse}`);
}

/** The training settings config.json records, which a resumed run keeps. */
interface SavedTraining { steps: number; batch: number; lr: number; seed: number; data_parallel?: number; stall_oversample?: { copies: number }; hue_jitter?: number; shift_jitter?: number; shift_jitter_from?: number; rollout_schedule?: { from: number; steps: number }[] }

/**
 * A resumed run continues as it was started (batch, learning rate, seed, stall oversampling, hue
 * and shift jitter from config.json), so re-running without the original flags cannot silently change it; a flag that
 * contradicts the saved value is refused. --steps may change (it extends the run), and so may
 * --rollout-steps (a rollout curriculum; see trainWorldModel).
 */
function resumedSettings(o: TrainWorldModelOptions, t: SavedTraining): { seed: number; hp: typeof WM_DEFAULTS; stallOversample: number | undefined; hueJitter: number; shiftJitter: number; shiftJitterFrom: number; dataParallel: number } {
  const was = t.stall_oversample?.copies ?? 1;
  for (const [flag, given, value] of [['--batch', o.batch, t.batch], ['--lr', o.lr, t.lr], ['--seed', o.seed, t.seed], ['--oversample-stalls', o.stallOversample, was], ['--hue-jitter', o.hueJitter, t.hue_jitter ?? 0], ['--shift-jitter', o.shiftJitter, t.shift_jitter ?? 0], ['--shift-jitter-from', o.shiftJitterFrom, t.shift_jitter_from ?? 0], ['--data-parallel', o.dataParallel, t.data_parallel ?? 1]] as const) {
    if (given !== undefined && given !== value) throw new InputError(`${flag} ${given} differs from ${o.out}'s ${value} (config.json); a resumed run keeps its settings`, `drop ${flag} to resume, or train into a new --out`);
  }
  return { seed: t.seed, hp: { ...WM_DEFAULTS, steps: o.steps ?? t.steps, batch: t.batch, lr: t.lr }, stallOversample: was, hueJitter: t.hue_jitter ?? 0, shiftJitter: t.shift_jitter ?? 0, shiftJitterFrom: t.shift_jitter_from ?? 0, dataParallel: t.data_parallel ?? 1 };
}

/** --data-parallel N runs N single-threaded Wasm replicas, each on an equal share of the batch. */
function checkDataParallel(n: number, batch: number, device: NNDevice): void {
  if (n <= 1) return;
  if (device !== 'wasm') throw new InputError(`--data-parallel ${n} splits Wasm training over CPU cores; --device ${device} does not run on them`, 'drop --data-parallel, or use --device wasm');
  if (wasmThreads() > 1) throw new InputError(`--data-parallel ${n} and UMWELT_WASM_THREADS=${wasmThreads()} would both claim the cores`, 'use one of them: unset UMWELT_WASM_THREADS, or drop --data-parallel');
  if (batch % n !== 0) throw new InputError(`--batch ${batch} does not split into ${n} equal shards`, `use a batch that is a multiple of ${n}, e.g. --batch ${Math.max(n, Math.round(batch / n) * n)}`);
}

export async function trainWorldModel(o: TrainWorldModelOptions): Promise<{ steps: number; seconds: number; finalLoss: number; out: string; stoppedEarly: boolean }> {
  const device = await useDevice(o.device ?? 'wasm');
  const ds = await openDataset(o.data);
  const paths = runPaths(o.out);
  const resume = existsSync(paths.checkpoint);
  // Read once: a resumed run needs its step (rollout schedule) and its parameters.
  const resumedCk = resume ? loadCheckpoint(paths.checkpoint) : null;
  const saved = resume ? (JSON.parse(readFileSync(paths.config, 'utf8')) as { model: WorldModelConfig; training: SavedTraining }) : null;
  const { seed, hp, stallOversample, hueJitter, shiftJitter, shiftJitterFrom, dataParallel } = saved ? resumedSettings(o, saved.training) : { seed: o.seed ?? 0, hp: { ...WM_DEFAULTS, steps: o.steps ?? WM_DEFAULTS.steps, batch: o.batch ?? WM_DEFAULTS.batch, lr: o.lr ?? WM_DEFAULTS.lr }, stallOversample: o.stallOversample, hueJitter: o.hueJitter ?? 0, shiftJitter: o.shiftJitter ?? 0, shiftJitterFrom: o.shiftJitterFrom ?? 0, dataParallel: o.dataParallel ?? 1 };
  checkDataParallel(dataParallel, hp.batch, device);
  // Only after the settings are checked: a rejected command leaves no empty run folder behind.
  mkdirSync(join(o.out, 'checkpoints'), { recursive: true });

  let config: WorldModelConfig;
  let stalls: Awaited<ReturnType<typeof stallSampling>> | undefined;
  if (saved) {
    config = saved.model;
    // --steps may extend (or shorten) a resumed run; the next resume keeps the new length.
    let training = hp.steps !== saved.training.steps ? { ...saved.training, steps: hp.steps } : null;
    // --rollout-steps may lengthen (or shorten) the rollout loss from the checkpoint's step on: a
    // curriculum (short rollouts while the encoder forms, long ones to finish) without new
    // parameters. config.json keeps the new length and when each length started.
    if (o.rolloutSteps !== undefined && o.rolloutSteps !== config.rolloutSteps) {
      const at = resumedCk!.meta.step;
      const schedule = saved.training.rollout_schedule ?? [{ from: 0, steps: config.rolloutSteps }];
      config = { ...config, rolloutSteps: o.rolloutSteps };
      training = { ...(training ?? saved.training), rollout_schedule: [...schedule, { from: at, steps: o.rolloutSteps }] };
    }
    if (training) writeFileSync(paths.config, JSON.stringify({ model: config, training }, null, 2));
  } else {
    const img = ds.features['observation.images.top'] ?? Object.values(ds.features).find((f) => f.dtype === 'image' || f.dtype === 'video');
    if (!img) throw new InputError(`dataset ${o.data} has no camera images`, 'collect with a world that has a camera');
    const imageKey = Object.entries(ds.features).find(([, f]) => f === img)![0];
    const latent = o.latent ?? 'vector';
    if (o.readout === 'keypoints' && latent !== 'map') throw new InputError('--readout keypoints needs --latent map (keypoints are read from the latent map)', 'add --latent map, or drop --readout');
    if (latent === 'map' && o.proprio) throw new InputError('--proprio cannot be combined with --latent map (the map predictor sees images only)', 'drop --proprio, or use --latent vector');
    config = defaultWorldModelConfig({
      // Full resolution: at 32×32 the two-room agent is under 2 pixels and the latents ignore it.
      imageKey, imageSize: img.shape[0]!, inputSize: img.shape[0]!,
      // A 4×4 patch embedding first (one matmul), then 3×3 stride-2 convs: 64 → 16 → 8 → 4.
      patch: img.shape[0]! >= 64 ? 4 : 0,
      // 'map': stop at 8×8 (64 px: patch 4, then one stride-2 conv) and add the map head.
      channels: latent === 'map' ? (img.shape[0]! >= 64 ? [32, 32] : [16, 32]) : img.shape[0]! >= 64 ? [32, 32, 64] : [16, 32, 32],
      ...(latent === 'map' ? { latent, mapChannels: 16, mapHidden: o.mapHidden ?? 32, readout: o.readout ?? 'linear', ...(o.readout === 'keypoints' ? { latentDim: 32 } : {}) } : {}),
      actionDim: ds.features.action?.shape[0] ?? 0,
      stateDim: o.proprio ? (ds.features['observation.state']?.shape[0] ?? 0) : 0,
      regularizer: o.regularizer ?? 'vicreg',
      ...(o.centerImages ? { centerImages: true } : {}),
      ...(o.idmGap && o.idmGap > 1 ? { idmMaxGap: o.idmGap } : {}),
      ...(o.idmWarmup ? { idmWarmup: o.idmWarmup } : {}),
      ...(o.idmRamp ? { idmRamp: o.idmRamp } : {}),
      ...(o.targetStopGrad ? { targetStopGrad: true } : {}),
      ...(o.rolloutSteps ? { rolloutSteps: o.rolloutSteps } : {}),
      ...(o.planRolloutWeighting && o.planRolloutWeighting !== 'uniform' ? { planRolloutWeighting: o.planRolloutWeighting } : {}),
      ...(o.planRolloutInputGrad ? { planRolloutInputGrad: true } : {}),
      ...(o.planRolloutHard ? { planRolloutHard: true } : {}),
      ...(o.frameSkip && o.frameSkip > 1 ? { frameSkip: o.frameSkip } : {}),
      ...(o.mapTransport ? { mapTransport: o.mapTransport } : {}),
      ...(o.encoderKernel && o.encoderKernel !== 3 ? { encoderKernel: o.encoderKernel } : {}),
    });
    if (o.mapSize !== undefined) setMapSize(config, o.mapSize, latent);
    // A 4×4 kernel at stride 1 (--map-size 16) would shrink the map by one cell.
    if ((config.encoderKernel ?? 3) !== 3 && config.strides?.some((st) => st !== 2)) throw new InputError(`--encoder-kernel ${config.encoderKernel} needs stride-2 encoder convs, which --map-size ${o.mapSize} replaces`, 'drop --encoder-kernel, or drop --map-size');
    if (o.idmWeight !== undefined) config.weights.idm = o.idmWeight;
    if (o.temporalWeight !== undefined) config.weights.temporal = o.temporalWeight;
    if (o.varianceWeight !== undefined) config.weights.variance = o.varianceWeight;
    if (o.covarianceWeight !== undefined) config.weights.covariance = o.covarianceWeight;
    if (o.reachTimeWeight !== undefined) config.weights.reachTime = o.reachTimeWeight;
    if (o.mapReconWeight) {
      if (latent !== 'map') throw new InputError('--map-recon needs --latent map (it decodes the cells of the latent map)', 'add --latent map, or drop --map-recon');
      config.weights.mapRecon = o.mapReconWeight;
    }
    if (o.planRolloutWeight !== undefined) {
      if (o.readout !== 'keypoints') throw new InputError('--plan-rollout needs --latent map --readout keypoints (it scores predicted keypoints)', 'add --latent map --readout keypoints, or drop --plan-rollout');
      config.weights.planRollout = o.planRolloutWeight;
    }
    // Options that shape the plan-rollout term mean nothing without it.
    for (const [flag, given, what] of [['--plan-rollout-weighting', o.planRolloutWeighting, 'weighs that term'], ['--plan-rollout-hard', o.planRolloutHard, 'weighs that term\'s windows'], ['--plan-rollout-input-grad', o.planRolloutInputGrad, 'routes that term\'s gradient']] as const) {
      if (given && !o.planRolloutWeight) throw new InputError(`${flag} needs --plan-rollout W (it ${what})`, `add --plan-rollout 1, or drop ${flag}`);
    }
    if ((o.frameSkip ?? 1) > 1 && (o.reachTimeWeight ?? 0) > 0) throw new InputError('--frame-skip cannot be combined with --reach-time (its goal gaps count single steps)', 'drop one of them');
    if (o.mapTransport && latent !== 'map') throw new InputError('--map-transport needs --latent map (it moves cells of the latent map)', 'add --latent map, or drop --map-transport');
    if (o.mapHidden !== undefined && latent !== 'map') throw new InputError('--map-hidden needs --latent map (it sizes the map predictor)', 'add --latent map, or drop --map-hidden');
    if (shiftJitterFrom > 0 && !shiftJitter) throw new InputError('--shift-jitter-from needs --shift-jitter PX (it says when shifting starts)', 'add --shift-jitter 2, or drop --shift-jitter-from');
    if (shiftJitter > config.inputSize / 4) throw new InputError(`--shift-jitter ${shiftJitter} would move ${config.inputSize}-px frames by more than a quarter of their width`, `use at most ${config.inputSize / 4}, e.g. --shift-jitter 4`);
    stalls = await stallSampling(ds, config, stallOversample);
    writeFileSync(paths.config, JSON.stringify({ model: config, training: { ...hp, seed, device, data: o.data, dataset: ds.info.umwelt ?? null, ...(stalls ? { stall_oversample: stalls.summary } : {}), ...(hueJitter ? { hue_jitter: hueJitter } : {}), ...(shiftJitter ? { shift_jitter: shiftJitter } : {}), ...(shiftJitterFrom ? { shift_jitter_from: shiftJitterFrom } : {}), ...(dataParallel > 1 ? { data_parallel: dataParallel } : {}) } }, null, 2));
  }
  requireFeatures(ds, config);

  const optimizer = { lr: hp.lr, warmupSteps: hp.warmup, totalSteps: hp.steps, weightDecay: hp.weightDecay, clipNorm: 1 };
  const template = initWorldModel(config, seed);
  let trainer: Trainer<WorldModelParams>;
  const loss = worldModelTrainingLoss(config);
  if (resumedCk) {
    const ck = resumedCk;
    const params = restoreTree(ck, 'params', template, paths.checkpoint);
    const opt = { m: restoreTree(ck, 'opt.m', template, paths.checkpoint), v: restoreTree(ck, 'opt.v', template, paths.checkpoint) };
    tree.dispose(template);
    trainer = new Trainer(loss as never, params, { optimizer }, { opt, step: ck.meta.step });
  } else {
    trainer = new Trainer(loss as never, template, { optimizer });
  }
  if (trainer.step >= hp.steps) return { steps: trainer.step, seconds: 0, finalLoss: NaN, out: o.out, stoppedEarly: false };
  const dp = dataParallel > 1 ? await DataParallelTrainer.start(trainer, dataParallel, new URL('../node/wm-replica.ts', import.meta.url), { config, optimizer }) : null;

  const T = envWindowLength(config);
  // Each (re)start draws its own loader stream: deterministic given the seed and the start step.
  // A resumed run finds its stalls again (the fit is deterministic); a fresh one did above.
  const copies = (stalls === undefined ? await stallSampling(ds, config, stallOversample) : stalls)?.copies;
  const loader = new WindowLoader(ds, { window: T, batch: hp.batch, seed: hashString(`${seed}/${trainer.step}`), episodesInMemory: 48, require: [config.imageKey, 'action'], goals: (config.weights.reachTime ?? 0) > 0, ...(copies ? { copies } : {}) });
  // The collapse monitor looks at the planning embedding (the readout, for 'map' latents).
  const encodeJit = jit((p: Pick<WorldModelParams, 'convs' | 'proj' | 'readout'>, x: np.Array, st: np.Array) => readout(p.readout, encode(p, x, config.stateDim > 0 ? st : (st.dispose(), null), config), config));
  const ledger = new ComputeLedger();
  // A resumed run keeps the ledger entries of its earlier invocations.
  if (existsSync(paths.ledger)) {
    for (const e of (JSON.parse(readFileSync(paths.ledger, 'utf8')) as { entries: LedgerEntry[] }).entries) ledger.add(e);
  }
  // Only runs with an IDM warm-up have a level to compare the embedding's motion with.
  const watch = config.idmWarmup ? new MotionWatch({ warmup: config.idmWarmup }) : undefined;
  watch?.resumeFrom(readJsonl(paths.metrics));
  const flopsPerStep = 3 * worldModelFlops(config, hp.batch, windowLength(config));
  const t0 = performance.now();
  const startStep = trainer.step;
  let last = NaN;
  let stoppedEarly = false;
  try {
    for await (const envBatch of loader.batches()) {
      if (trainer.step >= hp.steps) break;
      const b = skipFrames(envBatch, frameSkip(config));
      const aug: WindowAugment = {
        ...(hueJitter ? { hueDegrees: hueAngles(b.batch, hueJitter, seed, trainer.step) } : {}),
        ...(shiftJitter && trainer.step >= shiftJitterFrom ? { shifts: pixelShifts(b.batch, shiftJitter, seed, trainer.step) } : {}),
      };
      // worldModelTrainingLoss' arguments: the batch, then the step's SIGReg directions and rest scale (shared by every shard).
      const args: HostArray[] = [
        ...batchHost(b, config, aug),
        { data: randomDirections(config.latentDim, WM_DEFAULTS.sigregDirections, seed, trainer.step), shape: [config.latentDim, WM_DEFAULTS.sigregDirections], split: false },
        { data: new Float32Array([restScale(trainer.step, config.idmWarmup ?? 0, config.idmRamp ?? 0)]), shape: [], split: false },
      ];
      const s = dp ? await dp.train(args) : await trainer.train(...deviceArgs(args));
      last = s.loss;
      o.onStep?.(s.step, hp.steps, s.loss);
      const record: Record<string, unknown> = { step: s.step, lr: s.lr, grad_norm: s.gradNorm, seconds: (performance.now() - t0) / 1000 };
      LOSS_PARTS.forEach((name, i) => { record[name] = s.parts[i]; });
      const warning = watch?.observe(s.step, s.parts[LOSS_PARTS.indexOf('temporal')]!);
      if (warning) {
        record.motion_warning = warning;
        o.onWarning?.(warning);
      }
      if (s.step % WM_DEFAULTS.monitorEvery === 0 || s.step === hp.steps) {
        // Collapse monitor: per-dimension std and effective rank of embeddings of this batch's frames.
        const frames = b.batch * b.window;
        const x = np.array(poolFrames(b.images[config.imageKey]!, frames, config.imageSize, config.inputSize)).reshape([frames, config.inputSize, config.inputSize, 3]);
        const sDim = b.state.length / frames;
        const st = config.stateDim > 0 ? np.array(b.state as Float32Array<ArrayBuffer>).reshape([frames, sDim]) : np.zeros([frames, 1]);
        const tp = trainer.params;
        const z = (await encodeJit({ convs: tree.ref(tp.convs), proj: tree.ref(tp.proj), ...(tp.readout ? { readout: tree.ref(tp.readout) } : {}) }, x, st).data()) as Float32Array;
        const std = columnStd(z, frames, config.latentDim);
        record.z_std_mean = std.reduce((a, v) => a + v, 0) / std.length;
        record.z_std_min = Math.min(...std);
        record.effective_rank = effectiveRank(z, frames, config.latentDim);
      }
      const outOfTime = o.timeLimit !== undefined && (performance.now() - t0) / 1000 >= o.timeLimit;
      // Every 50th step, the first 10 of each invocation and its last (step rate without the jit compile).
      if (s.step % 50 === 0 || s.step - startStep <= 10 || outOfTime || record.effective_rank !== undefined || warning) appendFileSync(paths.metrics, JSON.stringify(record) + '\n');
      if (s.step % WM_DEFAULTS.checkpointEvery === 0 || s.step === hp.steps || outOfTime) {
        await saveCheckpoint(paths.checkpoint, trainer.stateTrees(), { format: 'umwelt-checkpoint/1', step: s.step, config: config as unknown as Record<string, unknown>, kind: 'world-model' });
      }
      if (outOfTime && s.step < hp.steps) {
        stoppedEarly = true;
        break;
      }
    }
    // The replicas must have trained the very model this thread saves.
    await dp?.verifyInSync();
  } finally {
    await dp?.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  // One GPU, or one core per Wasm thread (UMWELT_WASM_THREADS) or data-parallel shard, so the cost counts every core.
  const units = device === 'wasm' ? wasmThreads() * dataParallel : 1;
  ledger.add({ kind: 'train', name: 'world-model', flops: flopsPerStep * (trainer.step - startStep), seconds, device, units });
  writeFileSync(paths.ledger, JSON.stringify(ledger.toJSON(), null, 2));
  const steps = trainer.step;
  trainer.dispose();
  return { steps, seconds, finalLoss: last, out: o.out, stoppedEarly };
}

/** Loads a trained world model (config + parameters) from a run folder. */
export function loadWorldModel(run: string): { config: WorldModelConfig; params: WorldModelParams; step: number } {
  const paths = runPaths(run);
  if (!existsSync(paths.config)) throw new InputError(`${run} is not a world-model run (no config.json)`, 'train one with: umwelt train world-model --data DIR --out RUN');
  const config = (JSON.parse(readFileSync(paths.config, 'utf8')) as { model: WorldModelConfig }).model;
  const ck = loadCheckpoint(paths.checkpoint);
  const template = initWorldModel(config, 0);
  const params = restoreTree(ck, 'params', template, paths.checkpoint);
  tree.dispose(template);
  return { config, params, step: ck.meta.step };
}
