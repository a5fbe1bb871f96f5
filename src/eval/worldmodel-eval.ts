/**
 * `umwelt eval world-model`: how well a JEPA world model predicts, on a (held-out) dataset:
 *  - k-step latent error ÷ copy-last error (k = 1, 4, 8, 16): rolling the predictor k steps with
 *    the true actions vs assuming nothing changes (≤ 1 means the model beats "no change");
 *  - error with shuffled actions ÷ error with true actions (≫ 1 means actions matter);
 *  - linear-probe R² of positions (state dims named *_x / *_y, else the whole state) from encoded latents and from
 *    k-step predicted latents (probe fitted on encoded latents of half the episodes), and the
 *    motion ratio: decoded predicted displacement ÷ true displacement over k steps;
 *  - effective rank of the embeddings (collapse monitor).
 */
import '../nn/polyfills.ts';
import { jit, numpy as np, tree } from '@jax-js/jax';
import { Rng } from '../rng.ts';
import type { Dataset } from '../data/reader.ts';
import { positionDims } from '../data/features.ts';
import { frameSkip, latentSize, type WorldModelConfig } from '../models/worldmodel/config.ts';
import { chunkedFrameEncoder, dynamicsRefs, readout, rolloutLatents, type DynamicsParams, type WorldModelParams } from '../models/worldmodel/model.ts';
import { effectiveRank, linearProbeFit, probeR2 } from './linalg.ts';

type A = np.Array;

export interface WorldModelEval {
  episodes: number;
  frames: number;
  /** Environment steps per model step; k counts model steps (k · frame_skip environment steps). */
  frame_skip: number;
  k_step: Record<string, { error: number; copy_last_error: number; ratio: number; windows: number } | null>;
  shuffled_actions_ratio: { k: number; ratio: number } | null;
  /**
   * r2_predicted: from one-step predicted latents; r2_predicted_k: from k-step rollouts.
   * motion_ratio_k: how far the probe-decoded prediction moves relative to how far the true
   * positions move over k steps (least-squares slope of predicted on true displacement): 1 = the
   * right speed, < 1 = rollouts lag (a planner then under-rates every action), ≈ 0 = nothing moves.
   */
  probe: { targets: string[]; r2_encoded: number; r2_predicted: number; per_target_encoded: number[]; r2_predicted_k: Record<string, number>; motion_ratio_k: Record<string, number> };
  effective_rank: number;
  latent_dim: number;
}

/** Episodes come from any dataset-like source (browser-safe: no file access here). */
export type EpisodeSource = Pick<Dataset, 'episodes' | 'features' | 'readEpisode'>;

export async function evalWorldModel(params: WorldModelParams, c: WorldModelConfig, ds: EpisodeSource, opts: { maxEpisodes?: number; seed?: number } = {}): Promise<WorldModelEval> {
  const n = Math.min(ds.episodes.length, opts.maxEpisodes ?? 200);
  const embed = chunkedFrameEncoder(params, c);
  // Rollouts run on the full latent (L floats: the map, for 'map' latents); every metric is taken
  // on the planning embedding (D = latentDim: the map's readout), the space the planner compares in.
  const L = latentSize(c), D = c.latentDim, H = c.history, Adim = c.actionDim, F = frameSkip(c);
  const toEmbedding = jit((ro: DynamicsParams['readout'], z: A) => readout(ro, z, c));
  const embedOf = async (z: Float32Array, rows: number): Promise<Float32Array> => (L === D ? z
    : Float32Array.from((await toEmbedding(params.readout ? tree.ref(params.readout) : undefined, np.array(z as Float32Array<ArrayBuffer>).reshape([rows, L])).data()) as Float32Array));
  // Positions (state dims named *_x / *_y); worlds whose state has none (reach: joint angles)
  // are probed on the whole state.
  const stateNames = (ds.features['observation.state']?.names as string[] | null) ?? [];
  const posIdx = positionDims(ds.features['observation.state']).map((i) => [stateNames[i] ?? `state_${i}`, i] as const);
  const eps: { lat: Float32Array; z: Float32Array; actions: Float32Array; pos: Float32Array; len: number }[] = [];
  for (let e = 0; e < n; e++) {
    const ep = await ds.readEpisode(e);
    const len = ep.action.length;
    const z = await embed(ep.images[c.imageKey]!, ep.state);
    const actions = new Float32Array(len * Adim);
    ep.action.forEach((a, i) => actions.set(a, i * Adim));
    const pos = new Float32Array(len * posIdx.length);
    ep.state.forEach((s, i) => posIdx.forEach(([, j], k) => { pos[i * posIdx.length + k] = s[j]!; }));
    const lat = Float32Array.from(z);
    eps.push({ lat, z: await embedOf(lat, len), actions, pos, len });
  }

  const rollers = new Map<number, (p: DynamicsParams, hist: A, acts: A) => A>();
  const roll = (k: number) => {
    if (!rollers.has(k)) {
      // The embedding of the k-th predicted latent of each window.
      rollers.set(k, jit((p: DynamicsParams, hist: A, acts: A) => readout(p.readout, rolloutLatents(p.predictor, hist, acts, c).slice([], k - 1, []), c)) as never);
    }
    return rollers.get(k)!;
  };
  const rng = new Rng(opts.seed ?? 0, 'wm-eval');
  const windowsFor = (k: number) => {
    const out: [number, number][] = [];
    eps.forEach((e, ei) => { for (let i = (H - 1) * F; i + k * F < e.len; i++) out.push([ei, i]); });
    return out;
  };
  // In chunks of windows: a map latent's rollout holds k steps of conv activations per window, all
  // live inside one jit'd program, so the chunk shrinks with k and the map's size (128 windows of
  // 16 steps on an 8×8×16 map with 32 hidden channels fit Wasm's 4 GiB; a 16×16 map at that chunk
  // did not, nor 256 windows of 8 steps with 64 hidden channels).
  const hiddenScale = c.latent === 'map' ? Math.max(1, (c.mapHidden ?? 32) / 32) : 1;
  const chunkFor = (k: number) => Math.max(1, Math.min(1024, Math.floor((128 * 16 * 1024) / (k * L * hiddenScale))));
  const rollout = async (k: number, windows: [number, number][], actionSource: [number, number][]) => {
    const out = new Float32Array(windows.length * D);
    const CHUNK = chunkFor(k);
    for (let c0 = 0; c0 < windows.length; c0 += CHUNK) {
      // The last chunk is padded to the full chunk (repeating its final window), so each k
      // compiles one program rather than two.
      const real = Math.min(CHUNK, windows.length - c0);
      const N = windows.length > CHUNK ? CHUNK : real;
      const part = Array.from({ length: N }, (_, w) => windows[c0 + Math.min(w, real - 1)]!);
      const sources = Array.from({ length: N }, (_, w) => actionSource[c0 + Math.min(w, real - 1)]!);
      const hist = new Float32Array(N * H * L), acts = new Float32Array(N * k * Adim);
      part.forEach(([ei, i], w) => {
        // History: every F-th frame up to i; each model step's action: the mean of the F it spans.
        for (let h = 0; h < H; h++) hist.set(eps[ei]!.lat.subarray((i - (H - 1 - h) * F) * L, (i - (H - 1 - h) * F + 1) * L), (w * H + h) * L);
        const [ai, as] = sources[w]!;
        const src = eps[ai]!;
        for (let j = 0; j < k; j++) {
          for (let f = 0; f < F; f++) for (let a = 0; a < Adim; a++) acts[(w * k + j) * Adim + a]! += src.actions[(as + j * F + f) * Adim + a]! / F;
        }
      });
      const z = (await roll(k)(dynamicsRefs(params), np.array(hist).reshape([N, H, L]), np.array(acts).reshape([N, k, Adim])).data()) as Float32Array;
      out.set(z.subarray(0, real * D), c0 * D);
    }
    return out;
  };
  const sq = (a: Float32Array, ao: number, b: Float32Array, bo: number) => { let s = 0; for (let d = 0; d < D; d++) s += (a[ao + d]! - b[bo + d]!) ** 2; return s; };

  const kStep: WorldModelEval['k_step'] = {};
  let shuffled: WorldModelEval['shuffled_actions_ratio'] = null;
  const predicted = new Map<number, { windows: [number, number][]; z: Float32Array }>();
  for (const k of [1, 4, 8, 16]) {
    let windows = windowsFor(k);
    if (windows.length === 0) { kStep[String(k)] = null; continue; }
    if (windows.length > 4000) windows = windows.filter(() => rng.next() < 4000 / windows.length);
    const zPred = await rollout(k, windows, windows);
    let err = 0, copy = 0;
    windows.forEach(([ei, i], w) => {
      const e = eps[ei]!;
      err += sq(zPred, w * D, e.z, (i + k * F) * D);
      copy += sq(e.z, i * D, e.z, (i + k * F) * D);
    });
    kStep[String(k)] = { error: err / windows.length, copy_last_error: copy / windows.length, ratio: copy > 0 ? err / copy : 0, windows: windows.length };
    predicted.set(k, { windows, z: zPred });
    if (k === 4 || (k === 1 && !shuffled)) {
      // Actions from other, randomly chosen windows of the same length.
      const perm = windows.map((_, w) => windows[(w + 1 + rng.int(windows.length - 1)) % windows.length]!);
      const zShuf = await rollout(k, windows, perm);
      let errS = 0;
      windows.forEach(([ei, i], w) => { errS += sq(zShuf, w * D, eps[ei]!.z, (i + k * F) * D); });
      shuffled = { k, ratio: err > 0 ? errS / err : 0 };
    }
  }

  // Probes: fit on encoded latents of even episodes, score on odd ones (encoded and predicted).
  const P = posIdx.length;
  const allZ: number[] = [], allPos: number[] = [], epOf: number[] = [];
  eps.forEach((e, ei) => { for (let i = 0; i < e.len; i++) { for (let d = 0; d < D; d++) allZ.push(e.z[i * D + d]!); for (let j = 0; j < P; j++) allPos.push(e.pos[i * P + j]!); epOf.push(ei); } });
  const fit = epOf.map((e, r) => [e, r] as const).filter(([e]) => e % 2 === 0).map(([, r]) => r);
  const score = epOf.map((e, r) => [e, r] as const).filter(([e]) => e % 2 === 1).map(([, r]) => r);
  let r2Enc: number[] = [];
  const r2PredK: Record<string, number> = {}, motionK: Record<string, number> = {};
  if (P > 0 && fit.length > D && score.length > 1) {
    const probe = linearProbeFit(allZ, allPos, D, P, fit);
    r2Enc = probeR2(probe, allZ, allPos, D, P, score);
    for (const [k, pr] of predicted) {
      // Scored on the probe's held-out (odd) episodes: decoded k-step predictions vs true positions.
      const rows = pr.windows.map(([ei, i], w) => ({ ei, i, w })).filter((r) => r.ei % 2 === 1);
      if (rows.length < 2) continue;
      const mean = new Float64Array(P);
      for (const r of rows) for (let j = 0; j < P; j++) mean[j]! += eps[r.ei]!.pos[(r.i + k * F) * P + j]! / rows.length;
      const ssRes = new Float64Array(P), ssTot = new Float64Array(P);
      let along = 0, moved = 0;
      for (const r of rows) {
        const e = eps[r.ei]!;
        const hat = probe(pr.z.subarray(r.w * D, (r.w + 1) * D));
        const from = probe(e.z.subarray(r.i * D, (r.i + 1) * D));
        for (let j = 0; j < P; j++) {
          const truth = e.pos[(r.i + k * F) * P + j]!, dTrue = truth - e.pos[r.i * P + j]!;
          ssRes[j]! += (truth - hat[j]!) ** 2;
          ssTot[j]! += (truth - mean[j]!) ** 2;
          along += (hat[j]! - from[j]!) * dTrue;
          moved += dTrue * dTrue;
        }
      }
      r2PredK[String(k)] = Array.from(ssRes, (v, j) => (ssTot[j]! > 0 ? 1 - v / ssTot[j]! : 0)).reduce((a, b) => a + b, 0) / P;
      if (moved > 0) motionK[String(k)] = along / moved;
    }
  }
  const zFlat = Float32Array.from(allZ);
  return {
    episodes: eps.length,
    frames: epOf.length,
    frame_skip: F,
    k_step: kStep,
    shuffled_actions_ratio: shuffled,
    probe: { targets: posIdx.map(([name]) => name), r2_encoded: r2Enc.length ? r2Enc.reduce((a, b) => a + b, 0) / r2Enc.length : NaN, r2_predicted: r2PredK['1'] ?? NaN, per_target_encoded: r2Enc, r2_predicted_k: r2PredK, motion_ratio_k: motionK },
    effective_rank: effectiveRank(zFlat, epOf.length, D),
    latent_dim: D,
  };
}
