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
import { InputError } from '../errors.ts';

export interface PlanOptions {
  /** A world-model run folder, or several (an ensemble: every plan scored by each, `planner.ensemble` combines them). */
  run: string | string[];
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
  world_model: { run: string; step: number; members?: { run: string; step: number }[] };
  baselines: Record<string, EvalSummary>;
  /** The planner's episodes one by one (seed, success, steps, return, the state it ended in), to compare runs scene by scene. */
  per_episode: { seed: number; success: boolean; steps: number; return: number; final_state: number[] }[];
}

export async function planEpisodes(o: PlanOptions): Promise<PlanSummary> {
  const device = await useDevice(o.device ?? 'wasm');
  const world = getWorld(o.world);
  const runs = typeof o.run === 'string' ? [o.run] : o.run;
  if (runs.length === 0) throw new InputError('plan needs a world model', 'pass --world-model RUN (or RUN1,RUN2,… for an ensemble)');
  const loaded = runs.map((run) => ({ run, ...loadWorldModel(run) }));
  for (const { run, config: c } of loaded) {
    if (c.actionDim !== world.actionNames.length) {
      throw new InputError(`world model ${run} was trained for ${c.actionDim}-D actions; ${world.name} has ${world.actionNames.length}`, 'train a world model on this world\'s data');
    }
  }
  const { config, step } = loaded[0]!;
  const planner = loaded.length === 1 ? new LatentPlanner(loaded[0]!.params, config, o.planner) : LatentPlanner.ensemble(loaded, o.planner);
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
  // FLOPs: the planner counts its encoder passes (observations and goals) and predictor steps.
  const flops = planner.flops;
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
  return { ...summary, planner: planner.config, world_model: { run: runs.join(','), step, ...(loaded.length > 1 ? { members: loaded.map((m) => ({ run: m.run, step: m.step })) } : {}) }, baselines, per_episode: perEpisode };
}
