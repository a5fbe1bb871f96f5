/**
 * Planning in latent space with a JEPA world model: CEM or MPPI over action sequences, energy =
 * Σ over the plan of ‖ẑ_h − z_goal‖₂ (distance between predicted and goal embeddings), model-
 * predictive control (replan every step, warm-started from the previous plan shifted by one).
 * Browser-safe: the model arrives as parameters; sampling uses umwelt's seeded Rng. Synchronous
 * (dataSync) so that it is an ordinary Policy; on WebGPU prefer batching many episodes.
 */
import '../nn/polyfills.ts';
import { jit, numpy as np, tree } from '@jax-js/jax';
import { Rng } from '../rng.ts';
import { frameSkip, latentSize, type WorldModelConfig } from '../models/worldmodel/config.ts';
import { dynamicsRefs, frameEncoder, predict, readout, type DynamicsParams, type WorldModelParams } from '../models/worldmodel/model.ts';
import { reachTime, type ReachTimeParams } from '../models/worldmodel/reach-time.ts';
import { InputError } from '../errors.ts';

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
}

export type PlannerEnergy = 'sum' | 'final' | 'min' | 'reach-time';

export function hasReachTime(wm: WorldModelConfig): boolean {
  return (wm.weights.reachTime ?? 0) > 0;
}

export const PLANNER_DEFAULTS: PlannerConfig = { method: 'cem', horizon: 12, samples: 256, iterations: 4, elites: 24, temperature: 0.05, initStd: 0.8, minStd: 0.05, chunk: 1, energy: 'sum' };

export class LatentPlanner {
  readonly config: PlannerConfig;
  private readonly wm: WorldModelConfig;
  private readonly params: WorldModelParams;
  private readonly encodeFrames: ReturnType<typeof frameEncoder>;
  private readonly energyFn: (p: DynamicsParams, rt: ReachTimeParams | [], hist: A, goal: A, actions: A) => A;
  private mean: Float32Array;
  private rng = new Rng(0, 'planner');
  /** Latents of the last (history − 1)·F + 1 observed frames (the model's history is every F-th). */
  private history: Float32Array[] = [];
  private goal: Float32Array | undefined;
  /** Steps taken this episode, and the action being held until its chunk ends. */
  private steps = 0;
  private held: Float64Array | undefined;
  /** Latent rollouts evaluated so far (for FLOP accounting). */
  rollouts = 0;

  constructor(params: WorldModelParams, wm: WorldModelConfig, config: Partial<PlannerConfig> = {}) {
    this.params = params;
    this.wm = wm;
    // Default energy: the learned time-to-reach when the model was trained with it.
    // A frame-skip model steps F environment steps at a time: plans hold each action for F steps by default.
    const F = frameSkip(wm);
    this.config = { ...PLANNER_DEFAULTS, energy: hasReachTime(wm) ? 'reach-time' : 'sum', chunk: F, ...config };
    if (this.config.energy === 'reach-time' && !hasReachTime(wm)) {
      throw new InputError('--energy reach-time needs a world model trained with a time-to-reach head', 'train with: umwelt train world-model … --reach-time 1, or plan with --energy sum');
    }
    if (!(this.config.chunk >= 1 && Number.isInteger(this.config.chunk))) throw new InputError(`planner chunk must be a whole number ≥ 1 (got ${this.config.chunk})`);
    if (this.config.chunk % F !== 0) throw new InputError(`planner chunk ${this.config.chunk} is not a multiple of the world model's frame skip ${F} (each model step holds one action for ${F} steps)`, `plan with --chunk ${F} (or a multiple)`);
    this.mean = new Float32Array(this.decisions * wm.actionDim);
    this.encodeFrames = frameEncoder(params, wm);
    // Predictor calls per plan: one per F environment steps.
    const H = Math.ceil(this.config.horizon / F), chunk = this.config.chunk / F;
    const finalOnly = this.config.energy === 'final';
    const minOnly = this.config.energy === 'min';
    const learned = this.config.energy === 'reach-time';
    this.energyFn = jit((p: DynamicsParams, rt: ReachTimeParams | [], hist: A, goal: A, actions: A) => {
      // hist [N, history, D], actions [N, H, A], goal [D] → energy [N]; distances between
      // planning embeddings (the readout of 'map' latents).
      const D = latentSize(wm), d = wm.latentDim;
      const ro = () => (p.readout ? tree.ref(p.readout) : undefined);
      let h = hist;
      let energy: A | undefined;
      let closest: A | undefined;
      const n = hist.shape[0]!;
      const g = np.broadcastTo(readout(ro(), goal.reshape([1, D]), wm), [n, d]);
      for (let k = 0; k < H; k++) {
        const last = k === H - 1;
        const z = predict(tree.ref(p.predictor), h.ref, actions.ref.slice([], Math.floor(k / chunk), []), wm);
        const e = readout(ro(), z.ref, wm);
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
      return minOnly ? closest!.add(energy!.mul(0.01 / H)) : energy!;
    }) as never;
  }

  /** Distinct actions in a plan: horizon steps in chunks. */
  get decisions(): number {
    return Math.ceil(this.config.horizon / this.config.chunk);
  }

  /** Latent of one RGB frame (uint8, imageSize²×3) and optional state. */
  embed(rgb: Uint8Array, state?: ArrayLike<number>): Float32Array {
    return Float32Array.from(this.encodeFrames([rgb], [state ?? []]).dataSync() as Float32Array);
  }

  /** Starts an episode: goal latent, fresh history and plan, seeded sampling. */
  reset(goal: Float32Array, seed: number): void {
    this.goal = goal;
    this.history = [];
    this.steps = 0;
    this.held = undefined;
    this.mean.fill(0);
    this.rng = new Rng(seed, 'planner');
  }

  /** Energy of each action sequence [N, decisions, A] from the current history. */
  private energies(actions: Float32Array<ArrayBuffer>, n: number): Float32Array {
    const c = this.wm;
    const D = latentSize(c);
    const hist = new Float32Array(n * c.history * D);
    const one = new Float32Array(c.history * D);
    const F = frameSkip(c), last = this.history.length - 1;
    for (let i = 0; i < c.history; i++) one.set(this.history[Math.max(0, last - (c.history - 1 - i) * F)]!, i * D);
    for (let k = 0; k < n; k++) hist.set(one, k * one.length);
    const e = this.energyFn(dynamicsRefs(this.params), this.config.energy === 'reach-time' ? tree.ref(this.params.reachTime) : [], np.array(hist).reshape([n, c.history, D]),
      np.array(new Float32Array(this.goal!)), np.array(actions).reshape([n, this.decisions, c.actionDim]));
    this.rollouts += n;
    return Float32Array.from(e.dataSync() as Float32Array);
  }

  /** Observes the current latent and returns the first action of the best plan (held for its chunk). */
  act(z: Float32Array): Float64Array {
    const { samples: N, iterations, elites, method, temperature, minStd, chunk } = this.config;
    const H = this.decisions;
    const A = this.wm.actionDim;
    this.history.push(z);
    if (this.history.length > (this.wm.history - 1) * frameSkip(this.wm) + 1) this.history.shift();
    const replan = this.steps++ % chunk === 0;
    if (!replan && this.held) return Float64Array.from(this.held);
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
      const e = this.energies(acts, N);
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
    return Float64Array.from(this.held);
  }

  dispose(): void {
    tree.dispose(this.params);
  }
}
