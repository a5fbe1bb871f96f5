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
import { tree } from '@jax-js/jax';
import { planSeedsInThread } from './plan-thread.ts';

export interface PlanOptions {
  /** A world-model run folder, or several (an ensemble: every plan scored by each, `planner.ensemble` combines them). */
  run: string | string[];
  world: string;
  split: Split;
  episodes: number;
  seed: number;
  planner?: Partial<PlannerConfig>;
  device?: NNDevice;
  /** Worker threads for the random and oracle baselines (default: CPU cores). */
  workers?: number;
  /** Threads that plan episodes side by side, each with its own copy of the model (default 1; Wasm only). */
  plannerWorkers?: number;
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

/** Loads the world model(s) and checks they fit the world. */
function loadModels(runs: string[], world: ReturnType<typeof getWorld>) {
  if (runs.length === 0) throw new InputError('plan needs a world model', 'pass --world-model RUN (or RUN1,RUN2,… for an ensemble)');
  const loaded = runs.map((run) => ({ run, ...loadWorldModel(run) }));
  for (const { run, config: c } of loaded) {
    if (c.actionDim !== world.actionNames.length) {
      throw new InputError(`world model ${run} was trained for ${c.actionDim}-D actions; ${world.name} has ${world.actionNames.length}`, 'train a world model on this world\'s data');
    }
  }
  return loaded;
}

/** What one thread's planner did: its episodes, the FLOPs it spent and the settings it ran with. */
export interface PlannedSeeds { results: EpisodeResult[]; flops: number; config: PlannerConfig; policy: string }

/**
 * Plans the given seeds one after another in this thread (each episode's sampling restarts from
 * its seed, so which thread plans a seed does not change its episode).
 */
export async function planSeeds(runs: string[], worldName: string, split: Split, seeds: number[], plannerConfig: Partial<PlannerConfig> | undefined, onEpisode?: (r: EpisodeResult) => void): Promise<PlannedSeeds> {
  const world = getWorld(worldName);
  const loaded = loadModels(runs, world);
  const config = loaded[0]!.config;
  const planner = loaded.length === 1 ? new LatentPlanner(loaded[0]!.params, config, plannerConfig) : LatentPlanner.ensemble(loaded, plannerConfig);
  const env = await WorldEnv.create(world, { images: true, size: config.imageSize });
  const policy = new LatentPlanPolicy(planner, config.imageKey);
  const results: EpisodeResult[] = [];
  try {
    for (const seed of seeds) {
      const r = runEpisode(env, policy, { seed, split });
      results.push(r);
      onEpisode?.(r);
    }
  } finally {
    env.close();
  }
  // FLOPs: the planner counts its encoder passes (observations and goals) and predictor steps.
  const out = { results, flops: planner.flops, config: planner.config, policy: policy.name };
  planner.dispose();
  return out;
}

/** Seeds dealt round-robin to `n` threads (neighbouring seeds are alike in cost, so shards even out). */
function deal(seeds: number[], n: number): number[][] {
  return Array.from({ length: n }, (_, k) => seeds.filter((_, i) => i % n === k));
}

export async function planEpisodes(o: PlanOptions): Promise<PlanSummary> {
  if ((o.plannerWorkers ?? 1) > 1 && (o.device ?? 'wasm') !== 'wasm') throw new Error(`planner workers need --device wasm (one process drives the GPU); got --device ${o.device} with ${o.plannerWorkers} planner workers`);
  const device = await useDevice(o.device ?? 'wasm');
  const world = getWorld(o.world);
  const runs = typeof o.run === 'string' ? [o.run] : o.run;
  const loaded = loadModels(runs, world);
  const step = loaded[0]!.step;
  tree.dispose(loaded.map((m) => m.params));
  const seeds = Array.from({ length: o.episodes }, (_, i) => o.seed + i);
  const shards = poolSize(seeds.length, o.plannerWorkers ?? 1);
  const t0 = performance.now();
  const onEpisode = (r: EpisodeResult) => o.onEpisode?.('planner', r);
  const parts = shards === 1
    ? [await planSeeds(runs, world.name, o.split, seeds, o.planner, onEpisode)]
    : await Promise.all(deal(seeds, shards).map((part) => planSeedsInThread({ runs, world: world.name, split: o.split, seeds: part, planner: o.planner }, onEpisode)));
  const wall = (performance.now() - t0) / 1000;
  const results = parts.flatMap((p) => p.results).sort((a, b) => a.seed - b.seed);
  const flops = parts.reduce((f, p) => f + p.flops, 0);
  const summary = summarize(world.name, world.fps, parts[0]!.policy, o.split, results, wall, { device, units: shards, flops });
  const baselines: Record<string, EvalSummary> = {};
  if (o.baselines !== false) {
    for (const [label, name] of [['random', 'random'], ['oracle', 'expert']] as const) {
      const tb = performance.now();
      const rs = await runEpisodes({ world: world.name, policy: name, split: o.split, seeds, workers: o.workers, onEpisode: (r) => o.onEpisode?.(label, r) });
      baselines[label] = summarize(world.name, world.fps, name, o.split, rs, (performance.now() - tb) / 1000, { device: 'cpu', units: poolSize(seeds.length, o.workers) });
    }
  }
  const perEpisode = results.map((r) => ({ seed: r.seed, success: r.success, steps: r.steps, return: r.return, final_state: r.finalState ?? [] }));
  return { ...summary, planner: parts[0]!.config, world_model: { run: runs.join(','), step, ...(loaded.length > 1 ? { members: loaded.map((m) => ({ run: m.run, step: m.step })) } : {}) }, baselines, per_episode: perEpisode };
}
