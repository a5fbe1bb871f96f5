/** Runs episodes of a policy in an env and summarises them. Browser-safe. */
import type { Observation, Split, StepResult } from '../env/types.ts';
import { EpisodeRecorder, type EpisodeData } from '../data/episode.ts';
import type { WorldEnv } from '../env/world-env.ts';
import type { Policy } from '../experts/policy.ts';
import { wilson } from './stats.ts';
import { ComputeLedger, type CostedEntry } from '../ledger/ledger.ts';

export interface EpisodeResult {
  seed: number;
  success: boolean;
  steps: number;
  return: number;
  /** Wall-clock seconds spent choosing actions (policy/planner time only). */
  policySeconds: number;
  seconds: number;
  failure?: string;
  /** The world's state vector (`observation.state`) after the last step: where an episode ended. */
  finalState?: number[];
}

export interface RolloutOptions {
  seed: number;
  split: Split;
  /** Called with each observation's first camera image (for report strips). */
  onFrame?: (rgb: Uint8Array, step: number) => void;
  /** Called after every step with the observation the action was taken from. */
  onStep?: (obs: Observation, action: Float64Array, result: StepResult) => void;
}

export function runEpisode(env: WorldEnv, policy: Policy, opts: RolloutOptions): EpisodeResult {
  const t0 = performance.now();
  let { obs } = env.reset({ seed: opts.seed, split: opts.split });
  policy.reset(env, opts.seed);
  const cam = `observation.images.${env.spec.cameras[0]!.name}` as const;
  opts.onFrame?.(obs[cam]!, 0);
  let ret = 0;
  let policyMs = 0;
  for (let t = 1; ; t++) {
    const tp = performance.now();
    const action = policy.act(obs, env);
    policyMs += performance.now() - tp;
    const r = env.step(action);
    opts.onStep?.(obs, action, r);
    obs = r.obs;
    ret += r.reward;
    opts.onFrame?.(obs[cam]!, t);
    if (r.terminated || r.truncated) {
      const res: EpisodeResult = {
        seed: opts.seed, success: r.info.success, steps: t, return: ret,
        policySeconds: policyMs / 1000, seconds: (performance.now() - t0) / 1000,
      };
      const state = obs['observation.state'];
      if (state) res.finalState = Array.from(state);
      if (r.info.failure) res.failure = r.info.failure;
      return res;
    }
  }
}

export interface EvalSummary {
  world: string;
  policy: string;
  split: Split;
  episodes: number;
  successes: number;
  success_rate: number;
  ci95: [number, number];
  mean_episode_steps: number;
  mean_return: number;
  /** Successes per hour of robot time at the world's control rate. */
  throughput_per_hour: number;
  seconds_per_action: number;
  wall_seconds: number;
  failures: number;
  seeds: number[];
  /** Compute ledger entry: FLOPs (0 for scripted policies), wall time, device, $ per episode/success. */
  compute: CostedEntry;
}

export interface ComputeInfo {
  device: string;
  /** CPU cores (wasm) or GPUs (webgpu) busy for the wall time. */
  units: number;
  /** Model FLOPs spent choosing actions (scripted policies: 0). */
  flops?: number;
}

export function summarize(world: string, fps: number, policy: string, split: Split, results: EpisodeResult[], wallSeconds: number, compute: ComputeInfo = { device: 'cpu', units: 1 }): EvalSummary {
  const n = results.length;
  const k = results.filter((r) => r.success).length;
  const steps = results.reduce((s, r) => s + r.steps, 0);
  const robotHours = steps / fps / 3600;
  return {
    world, policy, split,
    episodes: n,
    successes: k,
    success_rate: n ? k / n : 0,
    ci95: wilson(k, n),
    mean_episode_steps: n ? steps / n : 0,
    mean_return: n ? results.reduce((s, r) => s + r.return, 0) / n : 0,
    throughput_per_hour: robotHours > 0 ? k / robotHours : 0,
    seconds_per_action: steps ? results.reduce((s, r) => s + r.policySeconds, 0) / steps : 0,
    wall_seconds: wallSeconds,
    failures: results.filter((r) => r.failure).length,
    seeds: results.map((r) => r.seed),
    compute: new ComputeLedger().costed({
      kind: 'eval', name: `${world}/${policy}/${split}`, flops: compute.flops ?? 0, seconds: wallSeconds,
      device: compute.device, units: compute.units, episodes: n, successes: k,
    }),
  };
}

/** Runs one episode and records every frame (all cameras, state, action, next.*) for a dataset. */
export function recordEpisode(env: WorldEnv, policy: Policy, opts: RolloutOptions): { result: EpisodeResult; episode: EpisodeData } {
  const rec = new EpisodeRecorder(env.spec.robot, env.spec.cameras.map((c) => c.name));
  const result = runEpisode(env, policy, {
    ...opts,
    onStep: (obs, action, r) => {
      rec.observe(obs);
      rec.record(action, r, policy.intervening ?? false);
      opts.onStep?.(obs, action, r);
    },
  });
  return { result, episode: rec.finish() };
}
