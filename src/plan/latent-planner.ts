/**
 * Planning in latent space with a JEPA world model: CEM or MPPI over action sequences, energy =
 * Σ over the plan of ‖ẑ_h − z_goal‖₂ (distance between predicted and goal embeddings), model-
 * predictive control (replan every step, warm-started from the previous plan shifted by one).
 * Browser-safe: the model arrives as parameters; sampling uses umwelt's seeded Rng. Synchronous
 * (dataSync) so that it is an ordinary Policy; on WebGPU prefer batching many episodes.
 *
 * An ensemble of world models (`LatentPlanner.ensemble`) scores every sampled plan with each
 * member in its own latent space and combines the members' energies, each divided by that
 * member's energy for standing still (≈ its current distance to the goal embedding, so that models
 * whose embeddings have different scales count alike). `max` (default) is pessimistic: a plan that only one member thinks passes
 * through a wall keeps the others' high energy, so the optimiser stops exploiting one model's
 * idiosyncratic errors (PETS's ensembles against model exploitation, with MOPO-style pessimism).
 */
import '../nn/polyfills.ts';
import { jit, numpy as np, tree } from '@jax-js/jax';
import { Rng } from '../rng.ts';
import { frameSkip, latentSize, type WorldModelConfig } from '../models/worldmodel/config.ts';
import { dynamicsRefs, encoderFlops, frameEncoder, predict, predictorFlops, readout, type DynamicsParams, type WorldModelParams } from '../models/worldmodel/model.ts';
import { reachTime, type ReachTimeParams } from '../models/worldmodel/reach-time.ts';
import { InputError } from '../errors.ts';
import { ADAPT_DEFAULTS, EpisodeAdapter, type AdaptConfig } from './adapt.ts';

type A = np.Array;

export interface PlannerConfig {
  method: 'cem' | 'mppi';
  horizon: number;
  samples: number;
  iterations: number;
  /** CEM: elites kept per iteration. */
  elites: number;
  /** MPPI: temperature of the energy softmax. */
  temperature: number;
  initStd: number;
  minStd: number;
  /**
   * Action chunk: each planned action is held for `chunk` steps and executed whole before the
   * next replan (DINO-WM's frameskip), so a plan of horizon/chunk decisions reaches `horizon`
   * steps ahead at 1/chunk of the per-step planning cost.
   */
  chunk: number;
  /**
   * 'sum': Σ_h ‖ẑ_h − z_goal‖ (reach fast); 'final': ‖ẑ_H − z_goal‖ + 0.1·mean (allows detours);
   * 'min': min_h ‖ẑ_h − z_goal‖ + 0.01·mean (the closest the plan gets — a detour through a door
   * scores by where it arrives, not by the distance it travels on the way);
   * 'reach-time': Σ_h d(ẑ_h, z_goal) with the model's learned time-to-reach head (routes around
   * obstacles that embedding distance ignores; the default for models trained with it).
   */
  energy: PlannerEnergy;
  /** Ensembles: how the members' (normalised) energies combine — the worst member ('max') or their 'mean'. */
  ensemble: EnsembleCombine;
  /**
   * Test-time adaptation (`adapt.ts`): before each replan, `adapt.steps` gradient steps of the
   * predictor on this episode's observed transitions (0: off, the default). Reset every episode.
   */
  adapt: AdaptConfig;
  /**
   * Revisit cost: `weight` × the mean over the plan of Σ over this episode's observed embeddings of
   * exp(−‖ẑ_h − z_seen‖² / 2·width²), a visitation density in the planning embedding (0: off, the
   * default). Where the model wrongly predicts progress (pushing on into a wall it leaks through),
   * the agent stays put, the density there grows with every step it stays, and plans that leave
   * the visited region win. `width` is in embedding units (about one step's move in two-room).
   */
  revisit: RevisitConfig;
}

export interface RevisitConfig {
  weight: number;
  width: number;
  /**
   * Count each observed embedding by the model's surprise there instead of 1: how much further the
   * model predicted the last model step would move the embedding than it did, in widths, clipped
   * to [0, 1]. The cost then repels only from where the model is wrong (a wall it lets the agent
   * through), not from where the agent went as predicted or hovers by choice (near the goal).
   */
  surprise: boolean;
}

/** Observed embeddings the revisit cost remembers (the most recent; a fixed size keeps one compiled energy). */
export const REVISIT_MEMORY = 128;

export type EnsembleCombine = 'max' | 'mean';

/** One world model: its parameters and config (what `loadWorldModel` returns). */
export interface PlannerModel {
  params: WorldModelParams;
  config: WorldModelConfig;
}

export type PlannerEnergy = 'sum' | 'final' | 'min' | 'reach-time';

export function hasReachTime(wm: WorldModelConfig): boolean {
  return (wm.weights.reachTime ?? 0) > 0;
}

export const PLANNER_DEFAULTS: PlannerConfig = { method: 'cem', horizon: 12, samples: 256, iterations: 4, elites: 24, temperature: 0.05, initStd: 0.8, minStd: 0.05, chunk: 1, energy: 'sum', ensemble: 'max', adapt: ADAPT_DEFAULTS, revisit: { weight: 0, width: 0.75, surprise: false } };

/**
 * Ensemble energies: each member's row holds N plans' energies and, last, the energy of the
 * all-zero plan (standing still). Each row is divided by its standing-still energy — the fraction
 * of "doing nothing" a plan scores, comparable across latent spaces of different scales — and the
 * rows combine by their max (the worst member, pessimistic) or mean. Returns N values.
 */
export function combineEnergies(rows: Float32Array[], mode: EnsembleCombine): Float32Array {
  const n = rows[0]!.length - 1;
  const out = new Float32Array(n);
  rows.forEach((e, i) => {
    if (e.length !== n + 1) throw new Error(`ensemble energies: member ${i} scored ${e.length - 1} plans, member 0 ${n}`);
    const scale = Math.max(e[n]!, 1e-6);
    for (let k = 0; k < n; k++) {
      const v = e[k]! / scale;
      out[k] = mode === 'max' ? (i === 0 ? v : Math.max(out[k]!, v)) : out[k]! + v / rows.length;
    }
  });
  return out;
}

type EnergyFn = (p: DynamicsParams, rt: ReachTimeParams | [], hist: A, goal: A, actions: A, seen: A, seenMask: A) => A;
/** One model step from hist [1, history, D] with action [1, A]: [predicted move, observed move] of the embedding to `now` [1, D]. */
type SurpriseFn = (p: DynamicsParams, hist: A, action: A, now: A) => A;

/** One world model inside the planner: its encoder, jitted energy and its own latent history and goal. */
interface Member {
  params: WorldModelParams;
  wm: WorldModelConfig;
  encodeFrames: ReturnType<typeof frameEncoder>;
  energyFn: EnergyFn;
  /** Latents of the last (history − 1)·F + 1 observed frames (the model's history is every F-th). */
  history: Float32Array[];
  goal: Float32Array | undefined;
  /** Test-time adaptation of this member's predictor (config.adapt.steps > 0). */
  adapter: EpisodeAdapter | undefined;
  /** This episode's observed latents for the revisit cost (the last REVISIT_MEMORY; empty when it is off). */
  seen: Float32Array[];
  /** Each seen latent's count in the density: 1, or the model's surprise there (`revisit.surprise`). */
  seenWeight: number[];
  surpriseFn: SurpriseFn | undefined;
}

export class LatentPlanner {
  readonly config: PlannerConfig;
  private readonly members: Member[];
  /** The frame skip every member shares: plans hold each model step's action for F steps. */
  private readonly F: number;
  private readonly actionDim: number;
  private mean: Float32Array;
  private rng = new Rng(0, 'planner');
  /** Steps taken this episode, and the action being held until its chunk ends. */
  private steps = 0;
  private held: Float64Array | undefined;
  /** Actions taken this episode (the revisit cost's surprise needs the last model step's). */
  private taken: Float64Array[] = [];
  /** Latent rollouts evaluated so far, summed over members. */
  rollouts = 0;
  /** Forward FLOPs spent so far: every frame encoded and every predictor step, over all members. */
  flops = 0;

  constructor(params: WorldModelParams, wm: WorldModelConfig, config: Partial<PlannerConfig> = {}) {
    this.config = LatentPlanner.resolve([{ params, config: wm }], config);
    this.F = frameSkip(wm);
    this.actionDim = wm.actionDim;
    this.members = [this.member({ params, config: wm })];
    this.mean = new Float32Array(this.decisions * wm.actionDim);
  }

  /**
   * A planner over several world models of the same world (e.g. training seeds): every plan is
   * scored by each and the normalised energies are combined (`config.ensemble`). The models must
   * share the action size, frame skip and camera; each keeps its own latent space.
   */
  static ensemble(models: PlannerModel[], config: Partial<PlannerConfig> = {}): LatentPlanner {
    if (models.length === 0) throw new InputError('an ensemble needs at least one world model');
    const [first, ...rest] = models;
    for (const m of rest) {
      const a = first!.config, b = m.config;
      const what = b.actionDim !== a.actionDim ? `${b.actionDim}-D vs ${a.actionDim}-D actions`
        : frameSkip(b) !== frameSkip(a) ? `frame skip ${frameSkip(b)} vs ${frameSkip(a)}`
        : b.imageKey !== a.imageKey || b.imageSize !== a.imageSize ? `camera ${b.imageKey} ${b.imageSize}px vs ${a.imageKey} ${a.imageSize}px` : '';
      if (what) throw new InputError(`the ensemble's world models do not match (${what})`, 'ensemble models trained on the same world with the same --frame-skip');
    }
    const planner = new LatentPlanner(first!.params, first!.config, LatentPlanner.resolve(models, config));
    for (const m of rest) planner.members.push(planner.member(m));
    return planner;
  }

  /** The full config: defaults, the energy a model's heads suggest, the chunk its frame skip needs. */
  private static resolve(models: PlannerModel[], config: Partial<PlannerConfig>): PlannerConfig {
    const wm = models[0]!.config;
    // Default energy: the learned time-to-reach when every model was trained with it.
    // A frame-skip model steps F environment steps at a time: plans hold each action for F steps by default.
    const F = frameSkip(wm);
    const out: PlannerConfig = { ...PLANNER_DEFAULTS, energy: models.every((m) => hasReachTime(m.config)) ? 'reach-time' : 'sum', chunk: F, ...config, adapt: { ...ADAPT_DEFAULTS, ...config.adapt }, revisit: { ...PLANNER_DEFAULTS.revisit, ...config.revisit } };
    const rv = out.revisit;
    if (!(rv.weight >= 0 && Number.isFinite(rv.weight))) throw new InputError(`revisit weight must be a number ≥ 0 (got ${rv.weight})`);
    if (!(rv.width > 0 && Number.isFinite(rv.width))) throw new InputError(`revisit width must be a positive number (got ${rv.width})`);
    const ad = out.adapt;
    if (!(Number.isInteger(ad.steps) && ad.steps >= 0)) throw new InputError(`adaptation steps must be a whole number ≥ 0 (got ${ad.steps})`);
    if (!(ad.lr > 0 && Number.isFinite(ad.lr))) throw new InputError(`adaptation learning rate must be a positive number (got ${ad.lr})`);
    if (!(Number.isInteger(ad.windows) && ad.windows >= 2)) throw new InputError(`adaptation windows must be a whole number ≥ 2 (got ${ad.windows})`);
    if (!(Number.isInteger(ad.rollout) && ad.rollout >= 1)) throw new InputError(`adaptation rollout must be a whole number ≥ 1 (got ${ad.rollout})`);
    if (out.energy === 'reach-time' && !models.every((m) => hasReachTime(m.config))) {
      throw new InputError('--energy reach-time needs a world model trained with a time-to-reach head', 'train with: umwelt train world-model … --reach-time 1, or plan with --energy sum');
    }
    if (!(out.chunk >= 1 && Number.isInteger(out.chunk))) throw new InputError(`planner chunk must be a whole number ≥ 1 (got ${out.chunk})`);
    if (out.chunk % F !== 0) throw new InputError(`planner chunk ${out.chunk} is not a multiple of the world model's frame skip ${F} (each model step holds one action for ${F} steps)`, `plan with --chunk ${F} (or a multiple)`);
    if (out.ensemble !== 'max' && out.ensemble !== 'mean') throw new InputError(`ensemble energy must be max or mean (got ${String(out.ensemble)})`);
    return out;
  }

  private member(m: PlannerModel): Member {
    const adapter = this.config.adapt.steps > 0 ? new EpisodeAdapter(m.params, m.config, this.config.adapt) : undefined;
    return { params: m.params, wm: m.config, encodeFrames: frameEncoder(m.params, m.config), energyFn: this.energyFunction(m.config), history: [], goal: undefined, adapter, seen: [], seenWeight: [],
      surpriseFn: this.config.revisit.weight > 0 && this.config.revisit.surprise ? this.surpriseFunction(m.config) : undefined };
  }

  private surpriseFunction(wm: WorldModelConfig): SurpriseFn {
    return jit((p: DynamicsParams, hist: A, action: A, now: A) => {
      const ro = () => (p.readout ? tree.ref(p.readout) : undefined);
      const last = readout(ro(), hist.ref.slice([], wm.history - 1, []), wm);
      const predicted = readout(ro(), predict(tree.ref(p.predictor), hist, action, wm), wm);
      const observed = readout(ro(), now, wm);
      tree.dispose(p);
      const dist = (a: A, b: A) => np.sqrt(np.square(a.sub(b)).sum(-1).add(1e-8)).reshape([1]);
      return np.concatenate([dist(predicted, last.ref), dist(observed, last)]);
    }) as never;
  }

  private energyFunction(wm: WorldModelConfig): EnergyFn {
    // Predictor calls per plan: one per F environment steps.
    const F = frameSkip(wm);
    const H = Math.ceil(this.config.horizon / F), chunk = this.config.chunk / F;
    const finalOnly = this.config.energy === 'final';
    const minOnly = this.config.energy === 'min';
    const learned = this.config.energy === 'reach-time';
    const { weight: revisitWeight, width } = this.config.revisit;
    return jit((p: DynamicsParams, rt: ReachTimeParams | [], hist: A, goal: A, actions: A, seen: A, seenMask: A) => {
      // hist [N, history, D], actions [N, H, A], goal [D] → energy [N]; distances between
      // planning embeddings (the readout of 'map' latents).
      const D = latentSize(wm), d = wm.latentDim;
      const ro = () => (p.readout ? tree.ref(p.readout) : undefined);
      let h = hist;
      let energy: A | undefined;
      let closest: A | undefined;
      const n = hist.shape[0]!;
      const g = np.broadcastTo(readout(ro(), goal.reshape([1, D]), wm), [n, d]);
      // Revisit cost: the seen embeddings [V, d] (padding rows masked out), their squared norms.
      let seenE: A | undefined, seenSq: A | undefined, revisit: A | undefined;
      if (revisitWeight > 0) {
        seenE = readout(ro(), seen, wm);
        seenSq = np.square(seenE.ref).sum(-1).reshape([1, -1]);
      } else {
        seen.dispose();
        seenMask.dispose();
      }
      for (let k = 0; k < H; k++) {
        const last = k === H - 1;
        const z = predict(tree.ref(p.predictor), h.ref, actions.ref.slice([], Math.floor(k / chunk), []), wm);
        const e = readout(ro(), z.ref, wm);
        if (seenE) {
          // ‖e − s‖² = ‖e‖² + ‖s‖² − 2·e·s for every plan × seen pair [N, V].
          const sq = np.square(e.ref).sum(-1).reshape([n, 1]).add(seenSq!.ref).sub(np.matmul(e.ref, seenE.ref.transpose()).mul(2));
          const density = np.exp(np.maximum(sq, 0).mul(-1 / (2 * width * width))).mul(seenMask.ref.reshape([1, -1])).sum(-1);
          revisit = revisit ? revisit.add(density) : density;
        }
        let dist = learned
          ? reachTime((last ? rt : tree.ref(rt)) as ReachTimeParams, e, g.ref)
          : np.sqrt(np.square(e.sub(g.ref)).sum(-1).add(1e-8));
        if (finalOnly) dist = dist.mul(last ? 1 + 0.1 / H : 0.1 / H);
        if (minOnly) closest = closest ? np.minimum(closest, dist.ref) : dist.ref;
        energy = energy ? energy.add(dist) : dist;
        h = np.concatenate([h.slice([], [1, wm.history], []), z.reshape([n, 1, D])], 1);
      }
      h.dispose();
      g.dispose();
      actions.dispose();
      tree.dispose(p);
      if (!learned) tree.dispose(rt);
      const out = minOnly ? closest!.add(energy!.mul(0.01 / H)) : energy!;
      if (!seenE) return out;
      tree.dispose([seenE, seenSq!, seenMask]);
      return out.add(revisit!.mul(revisitWeight / H));
    }) as never;
  }

  /** Models scoring each plan (1 unless built with `ensemble`). */
  get size(): number {
    return this.members.length;
  }

  /** Distinct actions in a plan: horizon steps in chunks. */
  get decisions(): number {
    return Math.ceil(this.config.horizon / this.config.chunk);
  }

  /** Latent of one RGB frame (uint8, imageSize²×3) and optional state, in the first model's space. */
  embed(rgb: Uint8Array, state?: ArrayLike<number>): Float32Array {
    return this.embedWith(this.members[0]!, rgb, state);
  }

  private embedWith(m: Member, rgb: Uint8Array, state?: ArrayLike<number>): Float32Array {
    this.flops += encoderFlops(m.wm, 1);
    return Float32Array.from(m.encodeFrames([rgb], [state ?? []]).dataSync() as Float32Array);
  }

  /** Starts an episode from the goal's latent (single model): fresh history and plan, seeded sampling. */
  reset(goal: Float32Array, seed: number): void {
    this.single('reset').goal = goal;
    this.start(seed);
  }

  /** Starts an episode from the goal image, encoded by every member. */
  resetToGoalFrame(rgb: Uint8Array, state: ArrayLike<number> | undefined, seed: number): void {
    for (const m of this.members) m.goal = this.embedWith(m, rgb, state);
    this.start(seed);
  }

  private start(seed: number): void {
    for (const m of this.members) {
      m.history = [];
      m.seen = [];
      m.seenWeight = [];
      m.adapter?.reset(seed);
    }
    this.steps = 0;
    this.taken = [];
    this.held = undefined;
    this.mean.fill(0);
    this.rng = new Rng(seed, 'planner');
  }

  private single(what: string): Member {
    if (this.members.length !== 1) throw new Error(`LatentPlanner.${what} takes one latent; an ensemble of ${this.members.length} models takes frames (resetToGoalFrame / actOnFrame)`);
    return this.members[0]!;
  }

  /** Energy of each action sequence [N, decisions, A] under one member, from its current history. */
  private energies(m: Member, actions: Float32Array<ArrayBuffer>, n: number): Float32Array {
    const c = m.wm;
    const D = latentSize(c);
    const hist = new Float32Array(n * c.history * D);
    const one = new Float32Array(c.history * D);
    const last = m.history.length - 1;
    for (let i = 0; i < c.history; i++) one.set(m.history[Math.max(0, last - (c.history - 1 - i) * this.F)]!, i * D);
    for (let k = 0; k < n; k++) hist.set(one, k * one.length);
    // An adapting member plans with its episode's copy of the predictor.
    const V = m.seen.length ? REVISIT_MEMORY : 1;
    const seen = new Float32Array(V * D), mask = new Float32Array(V);
    m.seen.forEach((z, i) => { seen.set(z, i * D); mask[i] = m.seenWeight[i]!; });
    const e = m.energyFn(dynamicsRefs(m.params, m.adapter?.predictor), this.config.energy === 'reach-time' ? tree.ref(m.params.reachTime) : [], np.array(hist).reshape([n, c.history, D]),
      np.array(new Float32Array(m.goal!)), np.array(actions).reshape([n, this.decisions, this.actionDim]), np.array(seen).reshape([V, D]), np.array(mask));
    this.rollouts += n;
    // One predictor step per F environment steps of the horizon.
    this.flops += Math.ceil(this.config.horizon / this.F) * (predictorFlops(c, n) + (m.seen.length ? 3 * n * REVISIT_MEMORY * c.latentDim : 0));
    return Float32Array.from(e.dataSync() as Float32Array);
  }

  /**
   * Energies of N plans over the ensemble: each member's divided by its energy of standing still
   * (the all-zero plan, scored in the same batch as row N), then the max or mean over members.
   * One member: its raw energies.
   */
  private combinedEnergies(actions: Float32Array<ArrayBuffer>, n: number): Float32Array {
    if (this.members.length === 1) return this.energies(this.members[0]!, actions, n);
    const withStill = new Float32Array((n + 1) * this.decisions * this.actionDim);
    withStill.set(actions);
    return combineEnergies(this.members.map((m) => this.energies(m, withStill, n + 1)), this.config.ensemble);
  }

  /** Observes the current latent (single model) and returns the first action of the best plan (held for its chunk). */
  act(z: Float32Array): Float64Array {
    this.observe(this.single('act'), z);
    return this.plan();
  }

  /** Observes a frame (encoded by every member) and returns the first action of the best plan. */
  actOnFrame(rgb: Uint8Array, state?: ArrayLike<number>): Float64Array {
    for (const m of this.members) this.observe(m, this.embedWith(m, rgb, state));
    return this.plan();
  }

  private observe(m: Member, z: Float32Array): void {
    m.adapter?.observe(z);
    m.history.push(z);
    if (m.history.length > (m.wm.history - 1) * this.F + 1) m.history.shift();
    if (this.config.revisit.weight > 0) {
      m.seen.push(z);
      m.seenWeight.push(m.surpriseFn ? this.surprise(m) : 1);
      if (m.seen.length > REVISIT_MEMORY) {
        m.seen.shift();
        m.seenWeight.shift();
      }
    }
  }

  private plan(): Float64Array {
    const { samples: N, iterations, elites, method, temperature, minStd, chunk } = this.config;
    const H = this.decisions;
    const A = this.actionDim;
    const replan = this.steps++ % chunk === 0;
    if (!replan && this.held) return this.took(this.held);
    for (const m of this.members) {
      if (!m.adapter) continue;
      const before = m.adapter.flops;
      m.adapter.adapt();
      this.flops += m.adapter.flops - before;
    }
    const mean = Float32Array.from(this.mean);
    const std = new Float32Array(H * A).fill(this.config.initStd);
    for (let it = 0; it < iterations; it++) {
      const acts = new Float32Array(N * H * A);
      for (let k = 0; k < N; k++) {
        for (let j = 0; j < H * A; j++) {
          // Sample 0 is the current mean itself, so a good warm start is never lost.
          const v = k === 0 ? mean[j]! : mean[j]! + std[j]! * this.rng.normal();
          acts[k * H * A + j] = Math.max(-1, Math.min(1, v));
        }
      }
      const e = this.combinedEnergies(acts, N);
      const order = Array.from({ length: N }, (_, k) => k).sort((a, b) => e[a]! - e[b]!);
      const weights = new Float64Array(N);
      if (method === 'cem') for (const k of order.slice(0, elites)) weights[k] = 1 / elites;
      else {
        const best = e[order[0]!]!;
        let total = 0;
        for (let k = 0; k < N; k++) { weights[k] = Math.exp(-(e[k]! - best) / temperature); total += weights[k]!; }
        for (let k = 0; k < N; k++) weights[k]! /= total;
      }
      for (let j = 0; j < H * A; j++) {
        let m = 0;
        for (let k = 0; k < N; k++) if (weights[k]) m += weights[k]! * acts[k * H * A + j]!;
        let v = 0;
        for (let k = 0; k < N; k++) if (weights[k]) v += weights[k]! * (acts[k * H * A + j]! - m) ** 2;
        mean[j] = m;
        std[j] = Math.max(minStd, Math.sqrt(v));
      }
    }
    // Warm start: shift the plan by one decision for the next replan.
    this.mean.set(mean.subarray(A));
    this.mean.fill(0, (H - 1) * A);
    this.held = Float64Array.from(mean.subarray(0, A));
    return this.took(this.held);
  }

  /**
   * The model's surprise at the latest seen latent: the last model step (history ending F frames
   * back, the mean of the F actions since) predicted a move of the embedding; how much of it did
   * not happen, in widths, clipped to [0, 1]. 0 until a full history has been seen.
   */
  private surprise(m: Member): number {
    const c = m.wm, F = this.F, i = m.seen.length - 1, D = latentSize(c);
    if (i < c.history * F || this.taken.length < F) return 0;
    const hist = new Float32Array(c.history * D);
    for (let k = 0; k < c.history; k++) hist.set(m.seen[i - (c.history - k) * F]!, k * D);
    const action = new Float32Array(this.actionDim);
    for (const a of this.taken.slice(-F)) a.forEach((v, j) => { action[j]! += v / F; });
    const r = m.surpriseFn!(dynamicsRefs(m.params, m.adapter?.predictor), np.array(hist).reshape([1, c.history, D]), np.array(action).reshape([1, this.actionDim]), np.array(new Float32Array(m.seen[i]!)).reshape([1, D]));
    this.flops += predictorFlops(c, 1);
    const [predicted, observed] = r.dataSync() as Float32Array;
    return Math.min(1, Math.max(0, (predicted! - observed!) / this.config.revisit.width));
  }

  /** Each remembered observation's count in the revisit density (member 0), oldest first: for tests and diagnostics. */
  get revisitCounts(): number[] {
    return [...this.members[0]!.seenWeight];
  }

  /** Records the action every adapting member's episode takes next; returns a copy to execute. */
  private took(action: Float64Array): Float64Array {
    if (this.config.revisit.surprise) this.taken.push(Float64Array.from(action));
    for (const m of this.members) m.adapter?.took(action);
    return Float64Array.from(action);
  }

  dispose(): void {
    for (const m of this.members) {
      m.adapter?.dispose();
      tree.dispose(m.params);
    }
  }
}
