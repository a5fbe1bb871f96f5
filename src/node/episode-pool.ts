/** Runs many episodes of a named policy across worker threads; results come back in seed order. */
import { availableParallelism } from 'node:os';
import type { Split } from '../env/types.ts';
import { WorldEnv } from '../env/world-env.ts';
import { makePolicy, type NoiseOptions } from '../experts/index.ts';
import { runEpisode, type EpisodeResult } from '../eval/rollout.ts';
import { getWorld } from '../worlds/index.ts';
import { ensureWorld } from './robot-descriptor.ts';
import { Thread } from './thread.ts';

export interface EpisodePoolOptions {
  world: string;
  policy: string;
  split: Split;
  seeds: number[];
  workers?: number;
  noise?: NoiseOptions;
  size?: number;
  /** Render observations (policies that read images need them; experts do not). */
  images?: boolean;
  onEpisode?: (r: EpisodeResult, done: number) => void;
}

/** Worker threads a run of `episodes` episodes uses (for the compute ledger). */
export function poolSize(episodes: number, workers?: number): number {
  return Math.max(1, Math.min(episodes, workers ?? availableParallelism()));
}

export async function runEpisodes(o: EpisodePoolOptions): Promise<EpisodeResult[]> {
  await ensureWorld(o.world);
  const nThreads = poolSize(o.seeds.length, o.workers);
  const results: EpisodeResult[] = new Array(o.seeds.length);
  let done = 0;
  const record = (i: number, r: EpisodeResult) => {
    results[i] = r;
    o.onEpisode?.(r, ++done);
  };
  const size = o.size ?? 64;
  const images = o.images ?? false;
  if (nThreads === 1) {
    const env = await WorldEnv.create(getWorld(o.world), { size, images });
    const policy = makePolicy(o.policy, o.world, o.noise);
    try {
      o.seeds.forEach((seed, i) => record(i, runEpisode(env, policy, { seed, split: o.split })));
    } finally {
      env.close();
    }
    return results;
  }
  const threads = Array.from({ length: nThreads }, () => new Thread());
  try {
    await Promise.all(threads.map((t) => t.call({
      type: 'episode-setup', world: o.world, policy: o.policy, noise: o.noise ?? {}, split: o.split, size, images,
    })));
    // A shared queue: each thread takes the next seed when it finishes one. Each episode depends
    // only on its seed, so the assignment does not change any result.
    let next = 0;
    await Promise.all(threads.map(async (t) => {
      while (next < o.seeds.length) {
        const i = next++;
        record(i, await t.call<EpisodeResult>({ type: 'episode', seed: o.seeds[i]! }));
      }
    }));
  } finally {
    await Promise.all(threads.map((t) => t.close()));
  }
  return results;
}
