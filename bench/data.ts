/**
 * Dataset benchmarks on one core: write and read frames/s for 64×64 images (PNG-in-parquet and
 * MP4), bytes per frame, loader batches/s. Episodes are recorded first so that only the dataset
 * code is timed.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorldEnv } from '../src/env/world-env.ts';
import { makePolicy } from '../src/experts/index.ts';
import { recordEpisode } from '../src/eval/rollout.ts';
import { featuresFor } from '../src/data/features.ts';
import { DatasetWriter } from '../src/data/writer.ts';
import { openDataset } from '../src/data/reader.ts';
import { WindowLoader } from '../src/data/loader.ts';
import { ffmpegAvailable } from '../src/node/video.ts';
import { getWorld } from '../src/worlds/index.ts';
import type { EpisodeData } from '../src/data/episode.ts';
import type { Metrics } from './sim.ts';

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).size;
  }
  return total;
}

async function benchFormat(episodes: EpisodeData[], env: WorldEnv, video: boolean): Promise<Metrics> {
  const frames = episodes.reduce((s, e) => s + e.action.length, 0);
  const dir = join(mkdtempSync(join(tmpdir(), 'umwelt-bench-')), 'ds');
  try {
    const features = featuresFor(env.spec, video ? { codec: 'h264', pixFmt: 'yuv420p' } : undefined);
    let t0 = performance.now();
    const w = DatasetWriter.create(dir, { fps: env.spec.fps, robotType: env.spec.robot, features, video: video ? { codec: 'h264' } : undefined });
    for (const e of episodes) await w.addEpisode(e);
    const writeS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await w.close();
    const compactS = (performance.now() - t0) / 1000;
    const bytes = dirBytes(dir);
    t0 = performance.now();
    const ds = await openDataset(dir);
    for (let i = 0; i < ds.episodes.length; i++) await ds.readEpisode(i);
    const readS = (performance.now() - t0) / 1000;
    const out: Metrics = {
      frames,
      write_frames_per_s: frames / writeS,
      compact_s: compactS,
      read_frames_per_s: frames / readS,
      bytes_per_frame: bytes / frames,
    };
    if (!video) {
      const loader = new WindowLoader(ds, { window: 4, batch: 32, seed: 0, episodesInMemory: 8 });
      t0 = performance.now();
      let batches = 0;
      for await (const b of loader.batches(2)) batches += b.batch > 0 ? 1 : 0;
      out.loader_batches_per_s_b32_t4 = batches / ((performance.now() - t0) / 1000);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchData(opts: { log?: (s: string) => void; episodes?: number } = {}): Promise<Record<string, Metrics>> {
  const env = await WorldEnv.create(getWorld('push-t'), { size: 64 });
  const policy = makePolicy('noisy-expert', 'push-t');
  const episodes: EpisodeData[] = [];
  for (let s = 0; s < (opts.episodes ?? 12); s++) episodes.push(recordEpisode(env, policy, { seed: s, split: 'train' }).episode);
  const out: Record<string, Metrics> = {};
  opts.log?.('bench data: parquet (PNG frames)');
  out['push-t-64px-png'] = await benchFormat(episodes, env, false);
  if (ffmpegAvailable()) {
    opts.log?.('bench data: mp4 (h264)');
    out['push-t-64px-mp4'] = await benchFormat(episodes, env, true);
  }
  env.close();
  return out;
}
