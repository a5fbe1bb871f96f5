/**
 * Reads LeRobot datasets: v3.0 (what umwelt writes) and v2.1 (per-episode files, JSONL metadata).
 * Only committed episodes count (index < info.total_episodes); when a crash left duplicate rows
 * for an episode (an interrupted compaction) the newest episodes-table file wins.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { InputError } from '../errors.ts';
import type { EpisodeData } from './episode.ts';
import { isVisual, type Features } from './features.ts';
import { EPISODES_PATH, INFO_PATH, STATS_PATH, TASKS_PATH, formatPath } from './layout.ts';
import type { EpisodeMeta, Info } from './meta.ts';
import { readParquet } from './parquet.ts';
import { flattenStat, type Stats } from './stats.ts';
import { decodeVideoFrames } from '../node/video.ts';

export const SUPPORTED_VERSIONS = ['v3.0', 'v2.1'];

function listFiles(dir: string, sub: string): string[] {
  const root = join(dir, sub);
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const p = `${rel}/${name}`;
      if (statSync(join(dir, p)).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(sub);
  return out;
}

const slotOf = (f: string) => {
  const m = /chunk-(\d+)\/file-(\d+)\.parquet$/.exec(f);
  return m ? Number(m[1]) * 1e6 + Number(m[2]) : -1;
};

function metaFromRow(r: Record<string, unknown>, file: string): EpisodeMeta {
  const stats: Stats = {};
  const videos: EpisodeMeta['videos'] = {};
  for (const [k, v] of Object.entries(r)) {
    const s = /^stats\/(.+)\/([^/]+)$/.exec(k);
    if (s && v != null) (stats[s[1]!] ??= {})[s[2]!] = flattenStat(v);
    const vid = /^videos\/(.+)\/(chunk_index|file_index|from_timestamp|to_timestamp)$/.exec(k);
    if (vid) {
      const ref = (videos[vid[1]!] ??= { chunk: 0, file: 0, from_timestamp: 0, to_timestamp: 0 });
      const field = vid[2]!;
      if (field === 'chunk_index') ref.chunk = Number(v);
      else if (field === 'file_index') ref.file = Number(v);
      else ref[field as 'from_timestamp' | 'to_timestamp'] = Number(v);
    }
  }
  const slot = /chunk-(\d+)\/file-(\d+)/.exec(file);
  return {
    episode_index: Number(r.episode_index),
    tasks: (r.tasks as string[] | null) ?? [],
    length: Number(r.length),
    dataChunk: Number(r['data/chunk_index']),
    dataFile: Number(r['data/file_index']),
    dataset_from_index: Number(r.dataset_from_index),
    dataset_to_index: Number(r.dataset_to_index),
    videos,
    metaChunk: Number(r['meta/episodes/chunk_index'] ?? slot?.[1] ?? 0),
    metaFile: Number(r['meta/episodes/file_index'] ?? slot?.[2] ?? 0),
    success: r.success == null ? null : Boolean(r.success),
    robot: (r.robot as string | null | undefined) ?? null,
    stats,
  };
}

export class Dataset {
  readonly dir: string;
  readonly info: Info;
  readonly episodes: EpisodeMeta[];
  readonly tasks: string[];
  readonly warnings: string[];
  /** Files under data/, videos/ and meta/episodes/ (relative paths). */
  private readonly files: string[];
  private cache: { file: string; rows: Record<string, unknown>[] } | undefined;

  constructor(dir: string, info: Info, episodes: EpisodeMeta[], tasks: string[], warnings: string[], files: string[]) {
    this.dir = dir;
    this.info = info;
    this.episodes = episodes;
    this.tasks = tasks;
    this.warnings = warnings;
    this.files = files;
  }

  get features(): Features {
    return this.info.features;
  }

  allFiles(): string[] {
    return [...this.files];
  }

  dataFileOf(m: EpisodeMeta): string {
    return m.dataPathOverride ?? formatPath(this.info.data_path, { chunk_index: m.dataChunk, file_index: m.dataFile });
  }

  videoFileOf(m: EpisodeMeta, key: string): string {
    if (m.videoPathOverride?.[key]) return m.videoPathOverride[key]!;
    const v = m.videos[key];
    if (!v || !this.info.video_path) throw new InputError(`episode ${m.episode_index} has no video for ${key}`);
    return formatPath(this.info.video_path, { video_key: key, chunk_index: v.chunk, file_index: v.file });
  }

  /** Files that no committed episode references (leftovers of an interrupted write). */
  unreferencedFiles(): string[] {
    if (this.info.codebase_version !== 'v3.0') return [];
    const used = new Set<string>();
    for (const m of this.episodes) {
      used.add(this.dataFileOf(m));
      used.add(formatPath(EPISODES_PATH, { chunk_index: m.metaChunk, file_index: m.metaFile }));
      for (const k of Object.keys(m.videos)) used.add(this.videoFileOf(m, k));
    }
    return this.files.filter((f) => !used.has(f));
  }

  /** Rows of one episode's data file (the last file read is cached: episodes share files). */
  async dataRows(m: EpisodeMeta): Promise<Record<string, unknown>[]> {
    const file = this.dataFileOf(m);
    if (this.cache?.file !== file) {
      const path = join(this.dir, file);
      if (!existsSync(path)) throw new InputError(`missing data file ${file}`, `run umwelt dataset validate ${this.dir}`);
      this.cache = { file, rows: await readParquet(readFileSync(path)) };
    }
    return this.cache.rows.filter((r) => r.episode_index === m.episode_index);
  }

  /** One episode with decoded frames (raw RGB), in the same shape the recorder produced. */
  async readEpisode(index: number, opts: { images?: boolean } = {}): Promise<EpisodeData> {
    const m = this.episodes[index];
    if (!m) throw new InputError(`episode ${index} does not exist (the dataset has ${this.episodes.length})`);
    const rows = (await this.dataRows(m)).sort((a, b) => Number(a.frame_index) - Number(b.frame_index));
    const images: Record<string, Uint8Array[]> = {};
    for (const [key, f] of Object.entries(this.features)) {
      if (!isVisual(f) || opts.images === false) continue;
      if (f.dtype === 'image') {
        images[key] = rows.map((r) => {
          const img = r[key] as { bytes: Uint8Array } | null;
          if (!img?.bytes) throw new InputError(`episode ${index}: frame without ${key} bytes`);
          const png = decodePng(img.bytes);
          return png.channels === 3 ? new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) : dropAlpha(png.data as Uint8Array, png.channels);
        });
      } else {
        const fromFrame = Math.round((m.videos[key]?.from_timestamp ?? 0) * this.info.fps);
        images[key] = await decodeVideoFrames(join(this.dir, this.videoFileOf(m, key)), {
          width: f.shape[1]!, height: f.shape[0]!, fps: this.info.fps, from: fromFrame, to: fromFrame + m.length,
        });
      }
    }
    const taskIndex = Number(rows[0]?.task_index ?? 0);
    const vec = (k: string) => rows.map((r) => Float32Array.from((r[k] as number[] | null) ?? []));
    const flag = (k: string) => rows.map((r) => Boolean(r[k]));
    return {
      task: this.tasks[taskIndex] ?? m.tasks[0] ?? '',
      robot: m.robot ?? this.info.robot_type ?? '',
      success: m.success ?? flag('next.success').some((x) => x),
      images,
      state: vec('observation.state'),
      action: vec('action'),
      reward: rows.map((r) => Number(r['next.reward'] ?? 0)),
      done: flag('next.done'),
      nextSuccess: flag('next.success'),
      intervention: flag('intervention'),
    };
  }

  /** Aggregate stats from meta/stats.json (null if absent). */
  statsJson(): Record<string, Record<string, unknown>> | null {
    const p = join(this.dir, STATS_PATH);
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, Record<string, unknown>>) : null;
  }
}

function dropAlpha(data: Uint8Array, channels: number): Uint8Array {
  const n = data.length / channels;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[3 * i + c] = data[channels * i + Math.min(c, channels - 1)]!;
  return out;
}

/** One record per non-blank line of a JSON-lines file; a missing file reads as none. */
export function readJsonl(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function openV21(dir: string, info: Info): Promise<Dataset> {
  const tasks: string[] = [];
  for (const t of readJsonl(join(dir, 'meta/tasks.jsonl'))) tasks[Number(t.task_index)] = String(t.task);
  const stats = new Map<number, Stats>();
  for (const s of readJsonl(join(dir, 'meta/episodes_stats.jsonl'))) {
    const st: Stats = {};
    for (const [k, v] of Object.entries((s.stats ?? {}) as Record<string, Record<string, unknown>>)) {
      st[k] = Object.fromEntries(Object.entries(v).map(([stat, x]) => [stat, flattenStat(x)]));
    }
    stats.set(Number(s.episode_index), st);
  }
  const chunks = Number(info.chunks_size) || 1000;
  let from = 0;
  const episodes: EpisodeMeta[] = readJsonl(join(dir, 'meta/episodes.jsonl'))
    .sort((a, b) => Number(a.episode_index) - Number(b.episode_index))
    .map((e) => {
      const idx = Number(e.episode_index);
      const length = Number(e.length);
      const chunk = Math.floor(idx / chunks);
      const fields = { episode_chunk: chunk, episode_index: idx };
      const videoKeys = Object.entries(info.features).filter(([, f]) => f.dtype === 'video').map(([k]) => k);
      const m: EpisodeMeta = {
        episode_index: idx, tasks: (e.tasks as string[]) ?? [], length,
        dataChunk: chunk, dataFile: idx, dataset_from_index: from, dataset_to_index: from + length,
        videos: Object.fromEntries(videoKeys.map((k) => [k, { chunk, file: idx, from_timestamp: 0, to_timestamp: length / info.fps }])),
        metaChunk: 0, metaFile: 0, success: null, robot: null, stats: stats.get(idx) ?? {},
        dataPathOverride: formatPath(info.data_path, fields),
        videoPathOverride: info.video_path ? Object.fromEntries(videoKeys.map((k) => [k, formatPath(info.video_path!, { ...fields, video_key: k })])) : {},
      };
      from += length;
      return m;
    });
  return new Dataset(dir, info, episodes, tasks, [], [...listFiles(dir, 'data'), ...listFiles(dir, 'videos')]);
}

/** Opens a dataset folder (v3.0 or v2.1) with one-line errors for anything that is not one. */
export async function openDataset(dir: string): Promise<Dataset> {
  const infoPath = join(dir, INFO_PATH);
  if (!existsSync(dir)) throw new InputError(`dataset folder not found: ${dir}`);
  if (!existsSync(infoPath)) throw new InputError(`${dir} is not a LeRobot dataset (no ${INFO_PATH})`, 'point at the folder that contains meta/ and data/');
  let info: Info;
  try {
    info = JSON.parse(readFileSync(infoPath, 'utf8')) as Info;
  } catch (err) {
    throw new InputError(`${infoPath} is not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!SUPPORTED_VERSIONS.includes(String(info.codebase_version))) {
    throw new InputError(`unsupported dataset version ${JSON.stringify(info.codebase_version)} in ${infoPath}`, `umwelt reads LeRobot ${SUPPORTED_VERSIONS.join(' and ')}`);
  }
  if (!info.features || typeof info.features !== 'object') throw new InputError(`${infoPath} has no features`);
  if (info.codebase_version === 'v2.1') return openV21(dir, info);

  const warnings: string[] = [];
  const metaFiles = listFiles(dir, 'meta/episodes').filter((f) => f.endsWith('.parquet')).sort((a, b) => slotOf(a) - slotOf(b));
  const byIndex = new Map<number, EpisodeMeta>();
  let uncommitted = 0;
  for (const f of metaFiles) {
    let rows: Record<string, unknown>[];
    try {
      rows = await readParquet(readFileSync(join(dir, f)));
    } catch (err) {
      throw new InputError(`cannot read ${f}: ${(err as Error).message.split('\n')[0]}`, 'the file is truncated or corrupt');
    }
    for (const r of rows) {
      const m = metaFromRow(r, f);
      if (m.episode_index >= info.total_episodes) { uncommitted++; continue; }
      byIndex.set(m.episode_index, m); // later (newer) files win
    }
  }
  if (uncommitted) warnings.push(`${uncommitted} uncommitted episode row(s) from an interrupted write are ignored`);
  const episodes = [...byIndex.values()].sort((a, b) => a.episode_index - b.episode_index);
  const tasks: string[] = [];
  const tasksPath = join(dir, TASKS_PATH);
  if (existsSync(tasksPath)) {
    for (const r of await readParquet(readFileSync(tasksPath))) tasks[Number(r.task_index)] = String(r.task ?? r.__index_level_0__);
  }
  const files = [...listFiles(dir, "data"), ...listFiles(dir, "videos"), ...metaFiles];
  const ds = new Dataset(dir, info, episodes, tasks, warnings, files);
  const stray = ds.unreferencedFiles();
  if (stray.length) warnings.push(`${stray.length} file(s) not referenced by any committed episode (e.g. ${stray[0]}); umwelt collect --append removes them`);
  return ds;
}
