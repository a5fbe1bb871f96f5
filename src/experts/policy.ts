/** Policies that drive an Env: experts (privileged: they read the true sim), noisy experts, random. */
import type { Observation } from '../env/types.ts';
import type { WorldEnv } from '../env/world-env.ts';
import { Rng } from '../rng.ts';

export interface Policy {
  readonly name: string;
  /** Called after env.reset(); `seed` drives the policy's own randomness. */
  reset(env: WorldEnv, seed: number): void;
  /** Returns an action in [-1, 1]^n. */
  act(obs: Observation, env: WorldEnv): Float64Array;
  /** True when the last action came from a correcting expert (recorded as `intervention`). */
  readonly intervening?: boolean;
}

/**
 * Takeover (corrections for RECAP): a perturbed policy acts for a seeded random number of steps,
 * then the expert takes over from wherever it got to and finishes the task; the expert's steps
 * are flagged `intervening`. Experts decide from the current state, so the handover is seamless.
 */
export class TakeoverPolicy implements Policy {
  readonly name = 'takeover';
  intervening = false;
  private step = 0;
  private handover = 0;
  constructor(private readonly base: Policy, private readonly expert: Policy, private readonly after: [number, number] = [10, 40]) {}

  reset(env: WorldEnv, seed: number): void {
    const rng = new Rng(seed, 'policy/takeover');
    this.handover = this.after[0] + rng.int(this.after[1] - this.after[0] + 1);
    this.step = 0;
    this.intervening = false;
    this.base.reset(env, seed);
    this.expert.reset(env, seed);
  }

  act(obs: Observation, env: WorldEnv): Float64Array {
    this.intervening = this.step++ >= this.handover;
    return this.intervening ? this.expert.act(obs, env) : this.base.act(obs, env);
  }
}

export class RandomPolicy implements Policy {
  readonly name = 'random';
  private rng = new Rng(0);
  reset(_env: WorldEnv, seed: number): void {
    this.rng = new Rng(seed, 'policy/random');
  }
  act(_obs: Observation, env: WorldEnv): Float64Array {
    const a = new Float64Array(env.spec.action.names.length);
    for (let i = 0; i < a.length; i++) a[i] = this.rng.uniform(-1, 1);
    return a;
  }
}

/**
 * Play: a random walk in action space — a uniform random action held for 3–10 steps (configurable), then another.
 * Unlike per-step uniform noise (which jitters in place) it covers the scene and bumps into
 * obstacles, the interactions a world model must see to learn them (PLDM's exploratory data).
 */
export class PlayPolicy implements Policy {
  readonly name = 'play';
  private rng = new Rng(0);
  private left = 0;
  private action = new Float64Array(0);
  /** Inclusive range of steps each random action is held (default 3–10; longer holds push into walls and slide along them). */
  constructor(private readonly hold: [number, number] = [3, 10]) {
    if (!(hold[0] >= 1 && hold[1] >= hold[0])) throw new RangeError(`play hold ${hold[0]}-${hold[1]} must be 1 ≤ min ≤ max`);
  }
  reset(_env: WorldEnv, seed: number): void {
    this.rng = new Rng(seed, 'policy/play');
    this.left = 0;
  }
  act(_obs: Observation, env: WorldEnv): Float64Array {
    if (this.left === 0) {
      this.left = this.hold[0] + this.rng.int(this.hold[1] - this.hold[0] + 1);
      this.action = new Float64Array(env.spec.action.names.length).map(() => this.rng.uniform(-1, 1));
    }
    this.left--;
    return Float64Array.from(this.action);
  }
}

export interface NoiseOptions {
  /** Std of Gaussian noise added to every expert action (default 0.3). */
  sigma?: number;
  /** Chance per step of starting a random segment (default 0.05). */
  segmentProb?: number;
  /** Random segment length in steps (default 5..15). */
  segmentLen?: [number, number];
  /** play: steps each random action is held (default 3..10). */
  hold?: [number, number];
}

/**
 * Expert + Gaussian noise + occasional random segments: diverse play data that still makes
 * progress on the task (the random segments visit states the expert never would).
 */
export class NoisyExpert implements Policy {
  readonly name = 'noisy-expert';
  private rng = new Rng(0);
  private segmentLeft = 0;
  private segmentAction: Float64Array = new Float64Array(0);
  private readonly sigma: number;
  private readonly segmentProb: number;
  private readonly segmentLen: [number, number];

  constructor(private readonly expert: Policy, opts: NoiseOptions = {}) {
    this.sigma = opts.sigma ?? 0.3;
    this.segmentProb = opts.segmentProb ?? 0.05;
    this.segmentLen = opts.segmentLen ?? [5, 15];
  }

  reset(env: WorldEnv, seed: number): void {
    this.rng = new Rng(seed, 'policy/noisy-expert');
    this.segmentLeft = 0;
    this.expert.reset(env, seed);
  }

  act(obs: Observation, env: WorldEnv): Float64Array {
    const base = this.expert.act(obs, env); // always query: stateful experts keep their phase
    const n = base.length;
    if (this.segmentLeft === 0 && this.rng.next() < this.segmentProb) {
      const [lo, hi] = this.segmentLen;
      this.segmentLeft = lo + this.rng.int(hi - lo + 1);
      this.segmentAction = new Float64Array(n).map(() => this.rng.uniform(-1, 1));
    }
    const out = new Float64Array(n);
    if (this.segmentLeft > 0) {
      this.segmentLeft--;
      out.set(this.segmentAction);
      return out;
    }
    for (let i = 0; i < n; i++) out[i] = Math.max(-1, Math.min(1, base[i]! + this.sigma * this.rng.normal()));
    return out;
  }
}
