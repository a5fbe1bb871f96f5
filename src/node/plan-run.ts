/**
 * `umwelt plan`: a trained JEPA world model plans on held-out scenes (CEM/MPPI in latent space,
 * MPC) beside a random policy and the oracle (the expert / true-simulator planner) in one run.
 */
import type { Split } from '../env/types.ts';
import { WorldEnv } from '../env/world-env.ts';
import { runEpisode, summarize, type EpisodeResult, type EvalSummary } from '../eval/rollout.ts';
import { LatentPlanner, type PlannerConfig } from '../plan/latent-planner.ts';
import { LatentPlanPolicy } from '../plan/policy.ts';
import { loadWorldModel } from '../train/worldmodel.ts';
import { getWorld } from '../worlds/index.ts';
import { useDevice, type NNDevice } from '../nn/runtime.ts';
import { poolSize, runEpisodes } from './episode-pool.ts';
import { predictorFlops, worldModelFlops } from '../models/worldmodel/model.ts';
import { InputError } from '../errors.ts';

export interface PlanOptions {
  run: string;
  world: string;
  split: Split;
  episodes: number;
  seed: number;
  planner?: Partial<PlannerConfig>;
  device?: NNDevice;
  workers?: number;
  baselines?: boolean;
  onEpisode?: (label: string, r: EpisodeResult) => void;
}

export interface PlanSummary extends EvalSummary {
  planner: PlannerConfig;
  world_model: { run: string; step: number };
  baselines: Record<string, EvalSummary>;
  /** The planner's episodes one by one (seed, success, steps, return, the state it ended in), to compare runs scene by scene. */
  per_episode: { seed: number; success: boolean; steps: number; return: number; final_state: number[] }[];
}

export async function planEpisodes(o: PlanOptions): Promise<PlanSummary> {
  const device = await useDevice(o.device ?? 'wasm');
  const world = getWorld(o.world);
  const { config, params, step } = loadWorldModel(o.run);
  if (config.actionDim !== world.actionNames.length) {
    throw new InputError(`world model ${o.run} was trained for ${config.actionDim}-D actions; ${world.name} has ${world.actionNames.length}`, 'train a world model on this world\'s data');
  }
  const planner = new LatentPlanner(params, config, o.planner);
  const env = await WorldEnv.create(world, { images: true, size: config.imageSize });
  const policy = new LatentPlanPolicy(planner, config.imageKey);
  const seeds = Array.from({ length: o.episodes }, (_, i) => o.seed + i);
  const t0 = performance.now();
  const results: EpisodeResult[] = [];
  try {
    for (const seed of seeds) {
      const r = runEpisode(env, policy, { seed, split: o.split });
      results.push(r);
      o.onEpisode?.('planner', r);
    }
  } finally {
    env.close();
  }
  const wall = (performance.now() - t0) / 1000;
  const steps = results.reduce((s, r) => s + r.steps, 0);
  // FLOPs: one encoder pass per observation and goal, one predictor pass per rollout step.
  const encFlops = worldModelFlops({ ...config, rolloutSteps: 0 }, 1, config.history) / config.history;
  const predFlops = predictorFlops(config, 1);
  const flops = (steps + results.length) * encFlops + planner.rollouts * planner.config.horizon * predFlops;
  const summary = summarize(world.name, world.fps, policy.name, o.split, results, wall, { device, units: 1, flops });
  planner.dispose();
  const baselines: Record<string, EvalSummary> = {};
  if (o.baselines !== false) {
    for (const [label, name] of [['random', 'random'], ['oracle', 'expert']] as const) {
      const tb = performance.now();
      const rs = await runEpisodes({ world: world.name, policy: name, split: o.split, seeds, workers: o.workers, onEpisode: (r) => o.onEpisode?.(label, r) });
      baselines[label] = summarize(world.name, world.fps, name, o.split, rs, (performance.now() - tb) / 1000, { device: 'cpu', units: poolSize(seeds.length, o.workers) });
    }
  }
  const perEpisode = results.map((r) => ({ seed: r.seed, success: r.success, steps: r.steps, return: r.return, final_state: r.finalState ?? [] }));
  return { ...summary, planner: planner.config, world_model: { run: o.run, step }, baselines, per_episode: perEpisode };
}
