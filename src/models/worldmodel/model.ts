/**
 * JEPA world model: a CNN encoder maps an image (+ optional proprioception) to a latent vector; an
 * action-conditioned predictor maps the last `history` latents and an action to the next latent
 * (residual); an inverse-dynamics head recovers the action from consecutive latents. Training:
 * teacher-forced one-step and multi-step autoregressive rollout losses in latent space, with
 * VICReg (variance + covariance) or SIGReg (random 1-D projections matched to N(0,1) through
 * their characteristic function) against collapse. Recipe anchors: PLDM/EB-JEPA, DINO-WM, LeWM.
 */
import '../../nn/polyfills.ts';
import { jit, lax, nn, numpy as np, tree, type JsTree } from '@jax-js/jax';
import {
  conv2d, conv2dFlops, convOutSize, initConv2d, initLinear, initMLP, linear, linearFlops, mlp, mlpFlops,
  type Conv2dConfig, type Conv2dParams, type LinearParams, type MLPParams,
} from '../../nn/layers.ts';
import { encoderKernel, encoderStride, latentSize, mapSize, type WorldModelConfig } from './config.ts';
import { poolFrames } from './processor.ts';
import { initReachTime, reachTimeFlops, reachTimeLoss, type ReachTimeParams } from './reach-time.ts';

type A = np.Array;

/** Convolutional predictor over latent maps ('map' latents). */
export type MapPredictorParams = { convs: Conv2dParams[] };
export type PredictorParams = MLPParams | MapPredictorParams;
/** Keypoint readout: per-channel log inverse temperature of the spatial softmax. */
export type KeypointParams = { logBeta: A };
export type ReadoutParams = LinearParams | KeypointParams;

export type WorldModelParams = {
  convs: Conv2dParams[];
  /** 'vector': linear projection to latentDim; 'map': the 3×3 conv head that makes the latent map. */
  proj: LinearParams;
  predictor: PredictorParams;
  idm: MLPParams;
  /** Time-to-reach head d(z, z_goal) (trained when weights.reachTime > 0; see reach-time.ts). */
  reachTime: ReachTimeParams;
  /** 'map' latents only: readout of the map to the latentDim planning embedding. */
  readout?: ReadoutParams;
  /** 'map' latents with weights.mapRecon > 0: per-cell linear decoder, channels → the cell's P² grey levels. */
  recon?: LinearParams;
};

/** The parameters the planner and the evaluators roll out with. */
export type DynamicsParams = Pick<WorldModelParams, 'predictor' | 'readout'>;

/**
 * New owned references to a model's dynamics parameters (for one jit'd call to consume); `predictor`
 * replaces the model's own (e.g. a copy adapted during an episode).
 */
export function dynamicsRefs(p: WorldModelParams, predictor: PredictorParams = p.predictor): DynamicsParams {
  return p.readout ? { predictor: tree.ref(predictor), readout: tree.ref(p.readout) } : { predictor: tree.ref(predictor) };
}

const isMap = (c: WorldModelConfig) => c.latent === 'map';
const mapChannels = (c: WorldModelConfig) => c.mapChannels ?? 16;

function mapHeadConfig(c: WorldModelConfig): Conv2dConfig {
  return { inChannels: c.channels[c.channels.length - 1]!, outChannels: mapChannels(c), kernel: 3, stride: 1, padding: 1 };
}

const transportRadius = (c: WorldModelConfig) => c.mapTransport ?? 0;
/** Transport predictor outputs per cell: (2R+1)² offset logits, then C gates, then C residuals. */
const transportOffsets = (c: WorldModelConfig) => (2 * transportRadius(c) + 1) ** 2;

function mapPredictorConfigs(c: WorldModelConfig): Conv2dConfig[] {
  const hid = c.mapHidden ?? 32, C = mapChannels(c);
  const out = transportRadius(c) > 0 ? transportOffsets(c) + 2 * C : C;
  return [
    { inChannels: c.history * C + c.actionDim, outChannels: hid, kernel: 3, stride: 1, padding: 1 },
    { inChannels: hid, outChannels: hid, kernel: 3, stride: 1, padding: 1 },
    { inChannels: hid, outChannels: out, kernel: 3, stride: 1, padding: 1 },
  ];
}

/**
 * Logit of the "stay" offset at init (the softmax puts ~85 % on it) and the scale of the last
 * conv's weights (offset logits and residuals start small): a fresh transport predictor is near
 * copy-last, and learns motion as departures from it.
 */
const TRANSPORT_STAY_LOGIT = 5;
const TRANSPORT_INIT_SCALE = 0.1;

function initMapPredictor(c: WorldModelConfig, seed: number): MapPredictorParams {
  const convs = mapPredictorConfigs(c).map((cc, i) => initConv2d(seed, `pred.conv${i}`, cc));
  if (transportRadius(c) > 0) {
    const last = convs[convs.length - 1]!;
    const b = new Float32Array(last.b.shape[0]!);
    b[(transportOffsets(c) - 1) / 2] = TRANSPORT_STAY_LOGIT; // the centre offset (0, 0)
    last.w = last.w.mul(TRANSPORT_INIT_SCALE);
    last.b.dispose();
    last.b = np.array(b);
  }
  return { convs };
}

/**
 * Transport step: next[i, j] = last + gate ⊙ (Σ_o w_o[i, j] · last[(i, j) + o] − last) + residual,
 * with w a softmax over the (2R+1)² offsets o. Outside the map counts as zero. Consumes both.
 */
function transport(last: A, out: A, c: WorldModelConfig): A {
  const R = transportRadius(c), K = transportOffsets(c), C = mapChannels(c), S = mapSize(c);
  const w = nn.softmax(out.ref.slice([], [], [], [0, K]), -1);
  const gate = nn.sigmoid(out.ref.slice([], [], [], [K, K + C]));
  const resid = out.slice([], [], [], [K + C, K + 2 * C]);
  const padded = np.pad(last.ref, [[0, 0], [R, R], [R, R], [0, 0]]);
  let moved: A | null = null;
  let o = 0;
  for (let dy = -R; dy <= R; dy++) {
    for (let dx = -R; dx <= R; dx++, o++) {
      const term = padded.ref.slice([], [R + dy, R + dy + S], [R + dx, R + dx + S], []).mul(w.ref.slice([], [], [], [o, o + 1]));
      moved = moved ? moved.add(term) : term;
    }
  }
  padded.dispose();
  w.dispose();
  return last.ref.add(gate.mul(moved!.sub(last))).add(resid);
}

function convConfigs(c: WorldModelConfig): Conv2dConfig[] {
  const chans = [3, ...c.channels];
  return c.channels.map((_, i) => (i === 0 && c.patch > 0
    ? { inChannels: 3, outChannels: chans[1]!, kernel: c.patch, stride: c.patch, padding: 0 }
    : { inChannels: chans[i]!, outChannels: chans[i + 1]!, kernel: encoderKernel(c), stride: encoderStride(c, i), padding: 1 }));
}

function flatDim(c: WorldModelConfig): number {
  let s = c.inputSize;
  for (const cc of convConfigs(c)) s = convOutSize(s, cc.kernel, cc.stride ?? 1, cc.padding ?? 0);
  return s * s * c.channels[c.channels.length - 1]!;
}

export function initWorldModel(c: WorldModelConfig, seed: number): WorldModelParams {
  const convs = convConfigs(c).map((cc, i) => initConv2d(seed, `enc.conv${i}`, cc));
  const idm = initMLP(seed, 'idm', [2 * c.latentDim, c.predictorHidden, c.actionDim], 'gelu');
  const reachTime = initReachTime(c.latentDim, c.predictorHidden, seed);
  if (isMap(c)) {
    return {
      ...((c.weights.mapRecon ?? 0) > 0 ? { recon: initLinear(seed, 'enc.recon', mapChannels(c), reconCell(c) ** 2) } : {}),
      convs, proj: initConv2d(seed, 'enc.map', mapHeadConfig(c)),
      predictor: initMapPredictor(c, seed),
      idm, reachTime,
      // Softmax sharpness e^1.5 ≈ 4.5 at init: each channel's keypoint already follows its strongest
      // cell, so the agent moving moves some keypoints and inverse dynamics has a gradient to follow.
      readout: c.readout === 'keypoints' ? { logBeta: np.full([mapChannels(c)], 1.5) } : initLinear(seed, 'enc.readout', latentSize(c), c.latentDim),
    };
  }
  return {
    convs, proj: initLinear(seed, 'enc.proj', flatDim(c) + c.stateDim, c.latentDim),
    predictor: initMLP(seed, 'pred', [c.history * c.latentDim + c.actionDim, c.predictorHidden, c.predictorHidden, c.latentDim], 'gelu'),
    idm, reachTime,
  };
}

/** Contrast gain after per-image mean subtraction (centerImages): edges of ±0.1 become ±0.3. */
const CENTER_GAIN = 3;

/** Pixels per side of one map cell at the encoder's input (8 for 64-px images and an 8×8 map). */
const reconCell = (c: WorldModelConfig) => c.inputSize / mapSize(c);

/** The encoder's input before its first conv: centred ×CENTER_GAIN, or minus 0.5. Consumes images. */
function encoderInput(images: A, c: WorldModelConfig): A {
  return c.centerImages ? images.ref.sub(images.mean([1, 2], { keepdims: true })).mul(CENTER_GAIN) : images.sub(0.5);
}

/**
 * Map reconstruction term: each cell's channels [N·S·S, C] decoded linearly to the grey levels of
 * its P×P pixels of the encoder input (images [N, s, s, 3], consumed); mean squared error.
 */
export function mapReconLoss(p: LinearParams, maps: A, images: A, c: WorldModelConfig): A {
  const n = images.shape[0]!, S = mapSize(c), P = reconCell(c), C = mapChannels(c);
  const grey = encoderInput(images, c).mean(-1); // [N, s, s]
  const target = grey.reshape([n, S, P, S, P]).transpose([0, 1, 3, 2, 4]).reshape([n * S * S, P * P]);
  return np.square(linear(p, maps.reshape([n * S * S, C])).sub(target)).mean();
}

/**
 * Images [N, S, S, 3] as float in [0, 1] (already pooled to inputSize on the host) and optional
 * state [N, stateDim] → latents [N, latentSize(c)] (the map flattened, for 'map'). Consumes its arguments.
 */
export function encode(p: Pick<WorldModelParams, 'convs' | 'proj'>, images: A, state: A | null, c: WorldModelConfig): A {
  let h = encoderInput(images, c);
  const cfgs = convConfigs(c);
  p.convs.forEach((cp, i) => { h = np.maximum(conv2d(cp, h, cfgs[i]!), 0); });
  const n = h.shape[0]!;
  if (isMap(c)) {
    state?.dispose();
    return conv2d(p.proj, h, mapHeadConfig(c)).reshape([n, latentSize(c)]);
  }
  let flat = h.reshape([n, flatDim(c)]);
  if (state && c.stateDim > 0) flat = np.concatenate([flat, state], -1);
  else state?.dispose();
  return linear(p.proj, flat);
}

/**
 * Host-side encoder: RGB frames (uint8, imageSize²×3 each) and their states → latents [N, D] as
 * an array to read back (`.data()`, or `.dataSync()` where a caller must stay synchronous). One
 * jit'd program; the parameters are borrowed, not consumed.
 */
export function frameEncoder(params: Pick<WorldModelParams, 'convs' | 'proj'>, c: WorldModelConfig): (frames: Uint8Array[], states: ArrayLike<number>[]) => A {
  const fn = jit((p: Pick<WorldModelParams, 'convs' | 'proj'>, x: A, s: A) => encode(p, x, c.stateDim > 0 ? s : (s.dispose(), null), c));
  return (frames, states) => {
    const n = frames.length;
    const flat = new Uint8Array(n * c.imageSize * c.imageSize * 3);
    frames.forEach((f, i) => flat.set(f, i * f.length));
    const sDim = Math.max(1, c.stateDim);
    const st = new Float32Array(n * sDim);
    if (c.stateDim > 0) states.forEach((s, i) => st.set(Array.from(s).slice(0, c.stateDim), i * sDim));
    const x = np.array(poolFrames(flat, n, c.imageSize, c.inputSize)).reshape([n, c.inputSize, c.inputSize, 3]);
    return fn({ convs: tree.ref(params.convs), proj: tree.ref(params.proj) }, x, np.array(st).reshape([n, sDim]));
  };
}

/**
 * Encodes many frames (whole episodes) in fixed chunks of `chunk` frames, padding the last with
 * copies of its final frame. jit compiles one program per input shape, so encoding episodes of
 * varying length one call each compiled a program per distinct length (scoring a model and the
 * demo's retrieval bank spent most of their time compiling). Returns [N × latentSize] floats.
 */
export function chunkedFrameEncoder(params: Pick<WorldModelParams, 'convs' | 'proj'>, c: WorldModelConfig, chunk = 64): (frames: Uint8Array[], states: ArrayLike<number>[]) => Promise<Float32Array> {
  const embed = frameEncoder(params, c);
  const L = latentSize(c);
  return async (frames, states) => {
    const out = new Float32Array(frames.length * L);
    const stateList = Array.from(states);
    for (let i0 = 0; i0 < frames.length; i0 += chunk) {
      const n = Math.min(chunk, frames.length - i0);
      const pad = <T>(xs: T[]): T[] => [...xs, ...Array<T>(chunk - n).fill(xs[n - 1]!)];
      const z = (await embed(pad(frames.slice(i0, i0 + n)), pad(stateList.slice(i0, i0 + n))).data()) as Float32Array;
      out.set(z.subarray(0, n * L), i0 * L);
    }
    return out;
  };
}

/**
 * Autoregressive latent rollout: from histories [N, history, D] and actions [N, K, A], the K
 * predicted latents [N, K, D] (D = latentSize(c)), each fed back as history. Consumes its arguments.
 */
export function rolloutLatents(p: PredictorParams, hist: A, actions: A, c: WorldModelConfig): A {
  const K = actions.shape[1]!;
  const D = latentSize(c);
  let h = hist;
  const out: A[] = [];
  for (let j = 0; j < K; j++) {
    const z = predict(j === K - 1 ? p : tree.ref(p), h.ref, actions.ref.slice([], j, []), c);
    out.push(z.ref);
    h = np.concatenate([h.slice([], [1, c.history], []), z.reshape([z.shape[0]!, 1, D])], 1);
  }
  h.dispose();
  actions.dispose();
  return np.stack(out, 1);
}

/** Next latent from the last `history` latents [N, H, D] and an action [N, A] (residual). */
export function predict(p: PredictorParams, hist: A, action: A, c: WorldModelConfig): A {
  const n = hist.shape[0]!;
  const last = hist.ref.slice([], c.history - 1, []);
  if (isMap(c)) {
    // Frames stacked along channels; the action broadcast to every cell.
    const S = mapSize(c), C = mapChannels(c);
    const maps = hist.reshape([n, c.history, S, S, C]).transpose([0, 2, 3, 1, 4]).reshape([n, S, S, c.history * C]);
    const act = np.broadcastTo(action.reshape([n, 1, 1, c.actionDim]), [n, S, S, c.actionDim]);
    let h = np.concatenate([maps, act], -1);
    const cfgs = mapPredictorConfigs(c);
    (p as MapPredictorParams).convs.forEach((cp, i) => {
      h = conv2d(cp, h, cfgs[i]!);
      if (i + 1 < cfgs.length) h = np.maximum(h, 0);
    });
    if (transportRadius(c) > 0) return transport(last.reshape([n, S, S, C]), h, c).reshape([n, latentSize(c)]);
    return last.add(h.reshape([n, latentSize(c)]));
  }
  const input = np.concatenate([hist.reshape([n, c.history * c.latentDim]), action], -1);
  return last.add(mlp(p as MLPParams, input, 'gelu'));
}

/** Keypoint coordinates span ±KEYPOINT_SCALE over the map (the agent crossing the floor moves its keypoint by ~4 units). */
export const KEYPOINT_SCALE = 2;

/**
 * Planning embedding [N, latentDim] of latents [N, latentSize(c)]: the map's linear readout or
 * its keypoints (x of every channel, then y), or the latent itself for 'vector'. Consumes z;
 * borrows nothing (pass owned readout params).
 */
export function readout(p: ReadoutParams | undefined, z: A, c: WorldModelConfig): A {
  if (!isMap(c)) return z;
  if (c.readout !== 'keypoints') return linear(p as LinearParams, z);
  const n = z.shape[0]!, S = mapSize(c), C = mapChannels(c);
  const beta = np.exp((p as KeypointParams).logBeta).reshape([1, 1, C]);
  const w = nn.softmax(z.reshape([n, S * S, C]).mul(beta), 1); // [N, S·S, C]
  const coord = (f: (cell: number) => number) =>
    np.array(Float32Array.from({ length: S * S }, (_, i) => KEYPOINT_SCALE * ((2 * f(i) + 1) / S - 1))).reshape([1, S * S, 1]);
  const x = w.ref.mul(coord((i) => i % S)).sum(1); // [N, C]
  const y = w.mul(coord((i) => Math.floor(i / S))).sum(1);
  return np.concatenate([x, y], -1);
}

/**
 * Per-coordinate weights [d] (mean 1) from start embeddings [B, d] and the K embeddings that follow
 * [B, K, d]: the variance over the batch of each coordinate's displacement from its start, so
 * coordinates that never move weigh 0. Consumes its arguments.
 */
export function motionWeights(start: A, next: A): A {
  const [b, K, d] = next.shape as [number, number, number];
  const disp = next.sub(start.reshape([b, 1, d])).reshape([b * K, d]);
  const v = np.square(disp.ref.sub(disp.mean(0, { keepdims: true }))).mean(0);
  return v.ref.mul(d).div(v.sum().add(1e-8));
}

/** Forward FLOPs of one predictor step for `rows` latents. */
export function predictorFlops(c: WorldModelConfig, rows: number): number {
  if (isMap(c)) {
    const S = mapSize(c);
    // Transport: a multiply-add per offset, cell and channel, plus the gate blend.
    const moves = transportRadius(c) > 0 ? 2 * rows * S * S * mapChannels(c) * (transportOffsets(c) + 2) : 0;
    return mapPredictorConfigs(c).reduce((f, cc) => f + conv2dFlops(rows, S, S, cc), moves);
  }
  return mlpFlops(rows, [c.history * c.latentDim + c.actionDim, c.predictorHidden, c.predictorHidden, c.latentDim]);
}

// ---- regularizers ------------------------------------------------------------------------------

/** VICReg: hinge on per-dimension std (≥ 1) and squared off-diagonal covariance, over z [M, D]. */
export function vicreg(z: A, d: number): { variance: A; covariance: A } {
  const m = z.shape[0]!;
  const centred = z.ref.sub(z.mean(0, { keepdims: true }));
  const variance = centred.ref.mul(centred.ref).mean(0);
  const std = np.sqrt(variance.add(1e-4));
  const varLoss = np.maximum(np.array(1).sub(std), 0).mean();
  const cov = np.matmul(centred.ref.transpose([1, 0]), centred).mul(1 / (m - 1)); // [D, D]
  const offDiag = cov.mul(np.array(new Float32Array(d * d).map((_, i) => (i % (d + 1) === 0 ? 0 : 1))).reshape([d, d]));
  return { variance: varLoss, covariance: np.square(offDiag).sum().mul(1 / d) };
}

/**
 * SIGReg (LeWM): project z onto random unit directions U [D, K] and match the empirical
 * characteristic function of each standardised-free projection to N(0, 1)'s, e^{-t²/2}, on a grid
 * of t with Gaussian weights. Zero exactly when the projections are standard normal.
 */
export function sigreg(z: A, directions: A): A {
  const proj = np.matmul(z, directions); // [M, K]
  const ts = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3];
  let total: A | undefined;
  ts.forEach((t, i) => {
    const last = i === ts.length - 1;
    const x = (last ? proj : proj.ref).mul(t);
    const cosM = np.cos(x.ref).mean(0);
    const sinM = np.sin(x).mean(0);
    const target = Math.exp((-t * t) / 2);
    const w = Math.exp((-t * t) / 2);
    const term = np.square(cosM.sub(target)).add(np.square(sinM)).mean().mul(w);
    total = total ? total.add(term) : term;
  });
  return total!;
}

// ---- loss ---------------------------------------------------------------------------------------

/** n owned handles to one parameter subtree (n − 1 extra references + the original). */
function handles<T extends JsTree<A>>(t: T, n: number): T[] {
  return Array.from({ length: n }, (_, i) => (i + 1 < n ? tree.ref(t) : t));
}

/**
 * Weight of the planning-embedding rollout term (keypoint readouts of map latents only; 0 off).
 * With planRolloutInputGrad its rollout is the rollout loss's own and is not run again.
 */
function planRolloutWeight(c: WorldModelConfig): number {
  return isMap(c) && c.readout === 'keypoints' ? (c.weights.planRollout ?? 0) : 0;
}

export const LOSS_PARTS = ['total', 'teacher', 'rollout', 'variance', 'covariance', 'sigreg', 'idm', 'temporal', 'reach_time', 'plan_rollout', 'map_recon'] as const;

/** Expectile τ of the time-to-reach regression (below 0.5: leans toward the data's fastest gaps). */
export const REACH_TIME_TAU = 0.3;

/**
 * One batch of windows: images [B, T, S, S, 3] float in [0, 1], state [B, T, stateDim] (stateDim
 * may be 0), actions [B, T, A], random unit directions for SIGReg [D, K]; with weights.reachTime
 * > 0 also one goal frame per window — goalImages [B, S, S, 3], goalState [B, stateDim], goalGap
 * [B] (steps from the window's first frame), goalMask [B] (1: the episode reached its goal) —
 * else those four are ignored (pass zeros); restScale (scalar in [0, 1], default 1) weighs every term
 * but inverse dynamics (0 during the IDM warm-up, rising over the ramp after it).
 * Returns [total, parts…] in LOSS_PARTS order (the
 * trainer differentiates element 0).
 */
export function worldModelLosses(p: WorldModelParams, images: A, state: A, actions: A, directions: A, goalImages: A, goalState: A, goalGap: A, goalMask: A, c: WorldModelConfig, restScale?: A): A {
  const [b, t] = images.shape as [number, number];
  const d = c.latentDim, D = latentSize(c), s = c.inputSize, H = c.history, K = t - H;
  const w = c.weights;
  const wReach = w.reachTime ?? 0;
  const map = isMap(c);
  const goalEncoder = wReach > 0 ? { convs: tree.ref(p.convs), proj: tree.ref(p.proj) } : null;
  const goalReadout = wReach > 0 && map ? tree.ref(p.readout!) : undefined;
  const wRecon = map ? (w.mapRecon ?? 0) : 0;
  const reconImages = wRecon > 0 ? images.ref.reshape([b * t, s, s, 3]) : null;
  const zFlat = encode({ convs: p.convs, proj: p.proj }, images.reshape([b * t, s, s, 3]),
    c.stateDim > 0 ? state.reshape([b * t, c.stateDim]) : (state.dispose(), null), c); // [B·T, D]
  const wPlan = planRolloutWeight(c);
  // Taken before the readout below consumes it (the plan-rollout term reads keypoints with it fixed).
  const kpBeta = wPlan > 0 ? lax.stopGradient((p.readout as KeypointParams).logBeta.ref) : undefined;
  // The planning embedding: the map's readout ('map'), or the latent itself ('vector').
  const e = readout(p.readout, zFlat.ref, c).reshape([b, t, d]);
  const z = zFlat.reshape([b, t, D]);
  const sharePlanRollout = wPlan > 0 && !!c.planRolloutInputGrad;
  const preds = handles(p.predictor, 2 * K - 1 + (wPlan > 0 && !sharePlanRollout ? 1 : 0));
  // Inverse-dynamics pairs (i, j): frames idmMaxGap apart (default: consecutive frames).
  const maxGap = Math.min(t - 1, c.idmMaxGap ?? 1);
  const pairs: [number, number][] = [];
  for (let i = 0; i + maxGap < t; i++) pairs.push([i, i + maxGap]);
  const idms = handles(p.idm, pairs.length);
  const zAt = (i: number) => z.ref.slice([], i, []); // [B, D]
  const eAt = (i: number) => e.ref.slice([], i, []); // [B, d]
  const actAt = (i: number) => actions.ref.slice([], i, []);
  const predTarget = (i: number) => (c.targetStopGrad ? lax.stopGradient(zAt(i)) : zAt(i));
  // Time-to-reach: d(e_i, e_goal) regressed on the step gap, through the encoder, so the latent
  // must carry what decides how long reaching takes (walls, doors), not only what looks different.
  let reach: A;
  if (goalEncoder) {
    const zg = readout(goalReadout, encode(goalEncoder, goalImages, c.stateDim > 0 ? goalState : (goalState.dispose(), null), c), c); // [B, d]
    // Every window frame pairs with the goal (gap − t), for t·B pairs from B encoded goals;
    // frames after the goal frame (negative gaps) are masked out.
    const steps = np.array(Float32Array.from({ length: t }, (_, i) => i)).reshape([1, t]);
    const gaps = goalGap.reshape([b, 1]).sub(steps); // [B, T]
    const mask = goalMask.reshape([b, 1]).mul(gaps.ref.greaterEqual(0).astype(np.float32));
    const zgAll = np.broadcastTo(zg.reshape([b, 1, d]), [b, t, d]).reshape([b * t, d]);
    reach = reachTimeLoss(p.reachTime, e.ref.reshape([b * t, d]), zgAll, np.maximum(gaps, 0).reshape([b * t]), mask.reshape([b * t]), REACH_TIME_TAU);
  } else {
    tree.dispose([goalImages, goalState, goalGap, goalMask, p.reachTime]);
    reach = np.zeros([]);
  }

  // Multi-step rollout from the first full history, feeding predictions back. Its predictions are
  // kept: the teacher-forced first step and (with input gradients) the planning-embedding rollout
  // below are the same computation, so they reuse them instead of running the predictor again
  // (9 predictor passes per window become 5 in the two-room recipe; same loss and gradients).
  let hist = z.ref.slice([], [0, H], []); // [B, H, D]
  let rollout: A | undefined;
  let firstStep: A | undefined;
  const rolloutPreds: A[] = [];
  for (let k = 0; k < K; k++) {
    const i = H - 1 + k;
    const pred = predict(preds[K - 1 + k]!, hist.ref, actAt(i), c);
    if (sharePlanRollout) rolloutPreds.push(pred.ref);
    const l = np.square(pred.ref.sub(predTarget(i + 1))).mean();
    if (k === 0) firstStep = l.ref;
    rollout = rollout ? rollout.add(l) : l;
    const next = np.concatenate([hist.slice([], [1, H], []), pred.reshape([b, 1, D])], 1);
    hist = next;
  }
  hist.dispose();
  // Teacher forcing: predict z[i+1] from the true history ending at i (step 0 is the rollout's).
  let teacher: A = firstStep!;
  for (let k = 1; k < K; k++) {
    const i = H - 1 + k;
    const pred = predict(preds[k - 1]!, z.ref.slice([], [i - H + 1, i + 1], []), actAt(i), c);
    teacher = teacher.add(np.square(pred.sub(predTarget(i + 1))).mean());
  }
  // Planning-embedding rollout: the planner scores keypoints of predicted maps, and the map loss
  // barely sees a few-pixel agent move, so rollouts lag the true motion. Targets and the readout
  // are stop-gradient: the encoder cannot make keypoints easier to predict by freezing them (it
  // did when this loss reached them). Inputs too, unless planRolloutInputGrad lets the encoder
  // learn what the predictor needs to see.
  let planRollout: A = np.zeros([]);
  if (wPlan > 0) {
    const target = lax.stopGradient(e.ref.slice([], [H, H + K], [])).reshape([b * K, d]);
    let predicted: A;
    if (sharePlanRollout) {
      predicted = np.stack(rolloutPreds, 1).reshape([b * K, D]);
    } else {
      const zs = lax.stopGradient(z.ref.slice([], [0, H], []));
      predicted = rolloutLatents(preds[2 * K - 1]!, zs, actions.ref.slice([], [H - 1, H - 1 + K], []), c).reshape([b * K, D]);
    }
    let sq = np.square(readout({ logBeta: kpBeta! }, predicted, c).sub(target.ref)); // [B·K, d]
    if (c.planRolloutWeighting === 'motion') {
      // Each coordinate weighted by the variance of its true displacement from the last history
      // frame (mean weight 1): the agent's keypoints carry the term, static ones barely count.
      sq = sq.mul(motionWeights(lax.stopGradient(e.ref.slice([], H - 1, [])), target.reshape([b, K, d])).reshape([1, d]));
    } else {
      target.dispose();
    }
    if (c.planRolloutHard) {
      // Each window weighted by its error relative to the batch's mean (stop-gradient).
      const perWindow = sq.sum(-1).reshape([b, K]).mean(1); // [B]
      const wts = lax.stopGradient(perWindow.ref);
      planRollout = perWindow.mul(wts.ref.div(wts.mean().add(1e-8))).mean();
    } else {
      planRollout = sq.sum(-1).mean();
    }
  }
  // Inverse dynamics on consecutive embeddings keeps the latent controllable (PLDM/EB-JEPA).
  // The head predicts the mean action between the two frames.
  let idm: A | undefined;
  pairs.forEach(([i, j], k) => {
    let target = actAt(i);
    for (let m = i + 1; m < j; m++) target = target.add(actAt(m));
    const l = np.square(mlp(idms[k]!, np.concatenate([eAt(i), eAt(j)], -1), 'gelu').sub(target.mul(1 / (j - i)))).mean().mul(1 / pairs.length);
    idm = idm ? idm.add(l) : l;
  });
  actions.dispose();
  const temporal = np.square(e.ref.slice([], [1, t], []).sub(e.ref.slice([], [0, t - 1], []))).sum(-1).mean();
  const flat = e.reshape([b * t, d]);
  let variance: A, covariance: A, sig: A;
  if (c.readout === 'keypoints' && map) {
    // Keypoints are coordinates: most of them sit on static scene features whose spread across
    // scenes is small, and a unit-variance target would make them hop between features to look
    // varied. The map's own VICReg (below) is what keeps the representation from collapsing.
    flat.dispose();
    directions.dispose();
    variance = np.zeros([]);
    covariance = np.zeros([]);
    sig = np.zeros([]);
  } else if (c.regularizer === 'vicreg') {
    const r = vicreg(flat, d);
    variance = r.variance;
    covariance = r.covariance;
    sig = np.zeros([]);
    directions.dispose();
  } else {
    sig = sigreg(flat, directions);
    variance = np.zeros([]);
    covariance = np.zeros([]);
  }
  let mapRecon: A = np.zeros([]);
  if (reconImages) mapRecon = mapReconLoss(p.recon!, z.ref.reshape([b * t, D]), reconImages, c);
  else if (p.recon) tree.dispose(p.recon);
  if (map) {
    // The map itself must not shrink (its readout could hide that and make prediction error
    // meaningless): VICReg over channels, each cell of each frame one sample.
    const C = mapChannels(c);
    const r = vicreg(z.reshape([b * t * D / C, C]), C);
    variance = variance.add(r.variance);
    covariance = covariance.add(r.covariance);
  } else {
    z.dispose();
  }
  const teacherM = teacher!.mul(1 / K), rolloutM = rollout!.mul(1 / K), idmM = idm!;
  let rest = teacherM.ref.mul(w.teacher).add(rolloutM.ref.mul(w.rollout)).add(variance.ref.mul(w.variance))
    .add(covariance.ref.mul(w.covariance)).add(sig.ref.mul(w.sigreg)).add(temporal.ref.mul(w.temporal ?? 0))
    .add(reach.ref.mul(wReach)).add(planRollout.ref.mul(wPlan)).add(mapRecon.ref.mul(wRecon));
  // IDM warm-up: restScale = 0 trains the inverse-dynamics loss alone (the encoder first finds what
  // the actions move), 1 trains everything; an array, so one compiled step serves every phase.
  if (restScale) rest = rest.mul(restScale);
  const total = rest.add(idmM.ref.mul(w.idm));
  return np.stack([total, teacherM, rolloutM, variance, covariance, sig, idmM, temporal, reach, planRollout, mapRecon]);
}

export function worldModelFlops(c: WorldModelConfig, batch: number, t: number): number {
  let f = encoderFlops(c, batch * t);
  const K = t - c.history;
  // Predictor passes: K rollout steps and K − 1 teacher-forced ones (the first is the rollout's),
  // plus the planning-embedding rollout's K when it cannot reuse the rollout (no input gradients).
  const planOwn = planRolloutWeight(c) > 0 && !c.planRolloutInputGrad;
  f += (2 * K - 1 + (planOwn ? K : 0)) * predictorFlops(c, batch);
  f += (t - Math.min(t - 1, c.idmMaxGap ?? 1)) * mlpFlops(batch, [2 * c.latentDim, c.predictorHidden, c.actionDim]);
  // Time-to-reach: the goal frames encoded, and the head.
  if ((c.weights.reachTime ?? 0) > 0) f += encoderFlops(c, batch) + reachTimeFlops(batch, c.latentDim, c.predictorHidden);
  if (isMap(c) && (c.weights.mapRecon ?? 0) > 0) f += linearFlops(batch * t * mapSize(c) ** 2, mapChannels(c), reconCell(c) ** 2);
  return f;
}

/** Forward FLOPs of encoding `frames` images. */
export function encoderFlops(c: WorldModelConfig, frames: number): number {
  let f = 0, size = c.inputSize;
  for (const cc of convConfigs(c)) { f += conv2dFlops(frames, size, size, cc); size = convOutSize(size, cc.kernel, cc.stride ?? 1, cc.padding ?? 0); }
  if (isMap(c)) return f + conv2dFlops(frames, size, size, mapHeadConfig(c)) + (c.readout === 'keypoints' ? 6 * frames * latentSize(c) : linearFlops(frames, latentSize(c), c.latentDim));
  return f + linearFlops(frames, flatDim(c) + c.stateDim, c.latentDim);
}
