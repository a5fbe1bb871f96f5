/**
 * Collects episodes of a named policy into a LeRobot v3.0 dataset: workers simulate and render,
 * this thread commits episodes strictly in index order (episode i always uses seed + i), so an
 * interrupted run resumed with --append yields the same episodes as an uninterrupted one.
 */
import { availableParallelism } from 'node:os';
import type { Split } from '../env/types.ts';
import { WorldEnv } from '../env/world-env.ts';
import { InputError } from '../errors.ts';
import { makePolicy, type NoiseOptions } from '../experts/index.ts';
import { recordEpisode, type EpisodeResult } from '../eval/rollout.ts';
import type { EpisodeData } from '../data/episode.ts';
import { featuresFor } from '../data/features.ts';
import { DatasetWriter } from '../data/writer.ts';
import { getWorld } from '../worlds/index.ts';
import { ensureWorld } from './robot-descriptor.ts';
import { Thread } from './thread.ts';
import { videoEncoderInfo, type VideoEncodeOptions } from './video.ts';

export interface CollectOptions {
  world: string;
  policy: string;
  split: Split;
  /** Episode i of the dataset uses seed + i. */
  seed: number;
  episodes: number;
  out: string;
  append?: boolean;
  video?: boolean;
  videoCodec?: VideoEncodeOptions['codec'];
  size?: number;
  workers?: number;
  /** Policy options (noise for noisy-expert, hold range for play). */
  noise?: NoiseOptions;
  onEpisode?: (r: EpisodeResult, committed: number) => void;
}

export interface CollectSummary {
  out: string;
  world: string;
  policy: string;
  split: Split;
  added: number;
  total_episodes: number;
  total_frames: number;
  success_rate: number;
  seconds: number;
}

interface Recorded {
  result: EpisodeResult;
  episode: EpisodeData;
}

export async function collectDataset(o: CollectOptions): Promise<CollectSummary> {
  const t0 = performance.now();
  await ensureWorld(o.world);
  const world = getWorld(o.world);
  const size = o.size ?? 64;
  const probe = await WorldEnv.create(world, { images: false, size });
  const codec = o.videoCodec ?? 'h264';
  if (o.video && !videoEncoderInfo(codec).available) throw new InputError(`no ${codec} encoder in this ffmpeg`, 'install ffmpeg (apt-get install ffmpeg) or drop --video');
  const videoOpts = o.video ? { codec } : undefined;
  const features = featuresFor(probe.spec, o.video ? { codec: codec === 'av1' ? 'av1' : 'h264', pixFmt: 'yuv420p' } : undefined);
  probe.close();
  const collection = { world: world.name, split: o.split, policy: o.policy, seed: o.seed, image_size: size, ...(o.noise?.hold ? { play_hold: o.noise.hold } : {}) };

  let writer: DatasetWriter;
  if (o.append) {
    writer = await DatasetWriter.append(o.out, videoOpts);
    const prev = writer.info.umwelt as typeof collection | undefined;
    if (prev && (prev.world !== collection.world || prev.image_size !== size)) {
      throw new InputError(`${o.out} holds ${prev.world} episodes at ${prev.image_size}px; cannot append ${collection.world} at ${size}px`, 'collect into a new --out folder');
    }
    if (JSON.stringify(Object.keys(writer.info.features)) !== JSON.stringify(Object.keys(features))) {
      throw new InputError(`${o.out} has different features than this collection would record`, 'use the same --video setting as the first run, or a new --out folder');
    }
  } else {
    writer = DatasetWriter.create(o.out, { fps: world.fps, robotType: world.robot, features, video: videoOpts, extraInfo: { umwelt: collection } });
  }
  const first = writer.totalEpisodes;
  const seeds = Array.from({ length: o.episodes }, (_, i) => o.seed + first + i);
  const results: EpisodeResult[] = [];

  // In-order commit with a bounded reorder buffer.
  const ready = new Map<number, Recorded>();
  let nextCommit = 0;
  let committing: Promise<void> = Promise.resolve();
  let onCommit: (() => void)[] = [];
  const drain = async () => {
    while (ready.has(nextCommit)) {
      const r = ready.get(nextCommit)!;
      ready.delete(nextCommit);
      await writer.addEpisode(r.episode);
      results.push(r.result);
      nextCommit++;
      o.onEpisode?.(r.result, nextCommit);
      const waiters = onCommit;
      onCommit = [];
      for (const w of waiters) w();
    }
  };
  const deliver = (i: number, r: Recorded) => {
    ready.set(i, r);
    committing = committing.then(drain);
    return committing;
  };

  const nThreads = Math.max(1, Math.min(seeds.length, o.workers ?? availableParallelism()));
  if (nThreads === 1) {
    const env = await WorldEnv.create(world, { images: true, size });
    const policy = makePolicy(o.policy, world.name, o.noise);
    try {
      for (let i = 0; i < seeds.length; i++) await deliver(i, recordEpisode(env, policy, { seed: seeds[i]!, split: o.split }));
    } finally {
      env.close();
    }
  } else {
    const threads = Array.from({ length: nThreads }, () => new Thread());
    try {
      await Promise.all(threads.map((t) => t.call({ type: 'episode-setup', world: world.name, policy: o.policy, noise: o.noise ?? {}, split: o.split, size, images: true })));
      let next = 0;
      const ahead = 4 * nThreads;
      await Promise.all(threads.map(async (t) => {
        while (next < seeds.length) {
          // Do not run far ahead of the committer: memory stays bounded.
          while (next - nextCommit > ahead) await new Promise<void>((resolve) => onCommit.push(resolve));
          const i = next++;
          const rec = await t.call<Recorded>({ type: 'record', seed: seeds[i]! });
          await deliver(i, rec);
        }
      }));
    } finally {
      await Promise.all(threads.map((t) => t.close()));
    }
  }
  await committing;
  await writer.close();
  return {
    out: o.out, world: world.name, policy: o.policy, split: o.split,
    added: results.length,
    total_episodes: writer.info.total_episodes,
    total_frames: writer.info.total_frames,
    success_rate: results.length ? results.filter((r) => r.success).length / results.length : 0,
    seconds: (performance.now() - t0) / 1000,
  };
}
