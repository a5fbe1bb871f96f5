/**
 * A world = robot + task + seeded scene generator. Each world module exports a WorldDef; the
 * generic WorldEnv (src/env/world-env.ts) turns it into an Env. Browser-safe.
 */
import type { Split } from '../env/types.ts';
import type { MjcfSource, Sim } from '../sim/sim.ts';

export interface WorldContext<S> {
  sim: Sim;
  scene: S;
}

export interface SceneBase {
  split: Split;
  seed: number;
  /** Language instruction for the episode. */
  task: string;
}

export interface WorldDef<S extends SceneBase = SceneBase> {
  name: string;
  description: string;
  robot: string;
  task: string;
  fps: number;
  substeps: number;
  maxSteps: number;
  actionNames: string[];
  stateNames: string[];
  /** Camera names in the MJCF; the first is the default. */
  cameras: string[];
  /** What differs between `train` and `heldout` (shown by `umwelt list`). */
  heldoutDiffers: string;
  /** Success criterion in words (shown by `umwelt list`). */
  successRule: string;
  /** Deterministic in (split, seed). */
  sampleScene(split: Split, seed: number): S;
  /** Which split a scene's parameters belong to (null: neither) — used to prove disjointness. */
  splitOf(scene: S): Split | null;
  /** The scene's MJCF, with the files it includes (robot files, meshes) when it has any. */
  buildMjcf(scene: S): string | MjcfSource;
  /** Puts the sim in the scene's initial state (qpos etc.); forward() is called afterwards. */
  init(ctx: WorldContext<S>): void;
  /** Writes a normalised action ([-1, 1] per dim) into ctrl. */
  applyAction(ctx: WorldContext<S>, action: Float64Array): void;
  state(ctx: WorldContext<S>): number[];
  reward(ctx: WorldContext<S>): number;
  success(ctx: WorldContext<S>): boolean;
  /**
   * Puts the sim in the scene's goal configuration (agent/objects where success holds), for goal
   * images. Called on a fork; kinematics are updated by the caller.
   */
  goal?(ctx: WorldContext<S>): void;
  /** Positions of the agent and objects (for probes and reports): name → [x, y]. */
  positions(ctx: WorldContext<S>): Record<string, [number, number]>;
}

// ---- helpers shared by scene generators ---------------------------------------------------

/**
 * Splits [lo, hi] into `bands` equal bands; every `heldoutEvery`-th band (offset 1) is held out.
 * Sampling a value for a split draws only from that split's bands, so train and heldout values
 * never overlap and held-out values are interpolations the model has not seen.
 */
export class BandedRange {
  constructor(readonly lo: number, readonly hi: number, readonly bands: number, readonly heldoutEvery: number) {}

  private isHeldout(band: number): boolean {
    return band % this.heldoutEvery === 1 % this.heldoutEvery;
  }

  bandOf(v: number): number {
    return Math.min(this.bands - 1, Math.max(0, Math.floor(((v - this.lo) / (this.hi - this.lo)) * this.bands)));
  }

  splitOf(v: number): Split {
    return this.isHeldout(this.bandOf(v)) ? 'heldout' : 'train';
  }

  sample(rng: { next(): number; int(n: number): number }, split: Split): number {
    const ok: number[] = [];
    for (let b = 0; b < this.bands; b++) if ((split === 'heldout') === this.isHeldout(b)) ok.push(b);
    const band = ok[rng.int(ok.length)]!;
    const w = (this.hi - this.lo) / this.bands;
    // Keep a 5 % margin inside the band so rounding never lands a value in a neighbour.
    return this.lo + w * (band + 0.05 + 0.9 * rng.next());
  }
}

export type Rgb = [number, number, number];

export function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

export function rgba(c: Rgb, a = 1): string {
  return `${c[0].toFixed(4)} ${c[1].toFixed(4)} ${c[2].toFixed(4)} ${a}`;
}

/** Writes a normalised action into ctrl, scaled to the actuators' range (ctrl = a · scale). */
export function setScaledCtrl(sim: { data: { ctrl: Float64Array } }, a: Float64Array, scale: number): void {
  const ctrl = sim.data.ctrl;
  for (let i = 0; i < a.length; i++) ctrl[i] = a[i]! * scale;
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
