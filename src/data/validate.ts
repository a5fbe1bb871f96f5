/**
 * `umwelt dataset validate`: checks a dataset against its own metadata and the LeRobot layout.
 * Every problem is one line naming the file. Leftovers of an interrupted write (files no committed
 * episode references, uncommitted rows) are warnings: the committed dataset is intact.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UmweltError } from '../errors.ts';
import { DEFAULT_FEATURES, isVisual } from './features.ts';
import { EPISODES_PATH, TASKS_PATH, formatPath } from './layout.ts';
import { parquetInfo, readParquet } from './parquet.ts';
import { openDataset } from './reader.ts';
import { flattenStat } from './stats.ts';
import { probeVideo } from '../node/video.ts';

export interface ValidationReport {
  dir: string;
  ok: boolean;
  version: string;
  episodes: number;
  frames: number;
  errors: string[];
  warnings: string[];
}

const INFO_KEYS = ['codebase_version', 'fps', 'features', 'total_episodes', 'total_frames', 'total_tasks', 'chunks_size', 'data_path'] as const;

export async function validateDataset(dir: string): Promise<ValidationReport> {
  const errors: string[] = [];
  let ds;
  try {
    ds = await openDataset(dir);
  } catch (err) {
    if (err instanceof UmweltError) return { dir, ok: false, version: '?', episodes: 0, frames: 0, errors: [err.message], warnings: [] };
    throw err;
  }
  const { info } = ds;
  const warnings = [...ds.warnings];
  const infoFile = 'meta/info.json';
  for (const k of INFO_KEYS) if (info[k] === undefined) errors.push(`${infoFile}: missing key '${k}'`);
  for (const k of Object.keys(DEFAULT_FEATURES)) if (!info.features[k]) errors.push(`${infoFile}: features lacks the default feature '${k}'`);

  // Episode indices: 0..total_episodes-1, no gaps, contiguous frame ranges.
  const n = info.total_episodes;
  if (ds.episodes.length !== n) {
    const have = new Set(ds.episodes.map((m) => m.episode_index));
    const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !have.has(i));
    errors.push(`meta/episodes: ${ds.episodes.length} episodes but ${infoFile} says total_episodes=${n}` + (missing.length ? ` (missing episode_index ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})` : ''));
  }
  let expectFrom = 0;
  let frames = 0;
  for (const m of ds.episodes) {
    const where = m.dataPathOverride ? 'meta/episodes.jsonl' : formatPath(EPISODES_PATH, { chunk_index: m.metaChunk, file_index: m.metaFile });
    if (m.dataset_from_index !== expectFrom) errors.push(`${where}: episode ${m.episode_index} starts at index ${m.dataset_from_index}, expected ${expectFrom} (gap or overlap)`);
    if (m.dataset_to_index - m.dataset_from_index !== m.length) errors.push(`${where}: episode ${m.episode_index} length ${m.length} disagrees with its index range ${m.dataset_from_index}:${m.dataset_to_index}`);
    expectFrom = m.dataset_to_index;
    frames += m.length;
  }
  if (frames !== info.total_frames) errors.push(`${infoFile}: total_frames=${info.total_frames} but the episodes table sums to ${frames}`);

  // Data files: present, readable, row counts and columns as the metadata says.
  const rowsPerFile = new Map<string, number>();
  for (const m of ds.episodes) rowsPerFile.set(ds.dataFileOf(m), (rowsPerFile.get(ds.dataFileOf(m)) ?? 0) + m.length);
  const columns = Object.entries(info.features).filter(([, f]) => f.dtype !== 'video').map(([k]) => k);
  for (const [file, rows] of rowsPerFile) {
    const path = join(dir, file);
    if (!existsSync(path)) { errors.push(`${file}: missing (referenced by the episodes table)`); continue; }
    let meta;
    try {
      meta = parquetInfo(readFileSync(path));
    } catch (err) {
      errors.push(`${file}: unreadable parquet (${(err as Error).message.split('\n')[0]}): truncated or corrupt`);
      continue;
    }
    if (meta.rows !== rows) errors.push(`${file}: ${meta.rows} rows but the episodes table assigns it ${rows} frames`);
    const lacking = columns.filter((c) => !meta.columns.includes(c));
    if (lacking.length) errors.push(`${file}: missing column(s) ${lacking.join(', ')} declared in ${infoFile}`);
  }
  // Frame-level consistency of episode_index/index (cheap columns only).
  if (!errors.length) {
    for (const file of rowsPerFile.keys()) {
      const rows = await readParquet(readFileSync(join(dir, file)), ['episode_index', 'index', 'frame_index']);
      const byEp = new Map<number, number[]>();
      for (const r of rows) (byEp.get(Number(r.episode_index)) ?? byEp.set(Number(r.episode_index), []).get(Number(r.episode_index))!).push(Number(r.index));
      for (const [ep, idx] of byEp) {
        const m = ds.episodes[ep];
        if (!m) { errors.push(`${file}: rows for episode ${ep}, which the episodes table does not have`); continue; }
        idx.sort((a, b) => a - b);
        if (idx[0] !== m.dataset_from_index || idx[idx.length - 1] !== m.dataset_to_index - 1 || idx.length !== m.length) {
          errors.push(`${file}: episode ${ep} rows cover index ${idx[0]}..${idx[idx.length - 1]} (${idx.length} rows), the episodes table says ${m.dataset_from_index}..${m.dataset_to_index - 1}`);
        }
      }
    }
  }

  // Videos: present with enough frames.
  for (const [key, f] of Object.entries(info.features)) {
    if (f.dtype !== 'video') continue;
    const need = new Map<string, number>();
    for (const m of ds.episodes) {
      const file = ds.videoFileOf(m, key);
      const end = Math.round((m.videos[key]?.from_timestamp ?? 0) * info.fps) + m.length;
      need.set(file, Math.max(need.get(file) ?? 0, end));
    }
    for (const [file, frameCount] of need) {
      if (!existsSync(join(dir, file))) { errors.push(`${file}: missing video`); continue; }
      try {
        const p = await probeVideo(join(dir, file));
        if (p.frames < frameCount) errors.push(`${file}: ${p.frames} frames, episodes need ${frameCount}`);
        if (p.width !== f.shape[1] || p.height !== f.shape[0]) errors.push(`${file}: ${p.width}×${p.height}, ${infoFile} says ${f.shape[1]}×${f.shape[0]}`);
      } catch (err) {
        errors.push(`${file}: unreadable video (${(err as Error).message.split('\n')[0]})`);
      }
    }
  }

  // Tasks.
  if (info.codebase_version === 'v3.0') {
    if (!existsSync(join(dir, TASKS_PATH)) && n > 0) errors.push(`${TASKS_PATH}: missing`);
    else if (ds.tasks.filter((t) => t !== undefined).length !== info.total_tasks) errors.push(`${TASKS_PATH}: ${ds.tasks.length} tasks but ${infoFile} says total_tasks=${info.total_tasks}`);
  }

  // Stats: every numeric feature present; a count that lags the frames is a stale file, not damage.
  const stats = ds.statsJson();
  if (!stats) {
    // v2.1 keeps per-episode stats in episodes_stats.jsonl; stats.json is optional there.
    if (info.codebase_version === 'v3.0' && n > 0) errors.push('meta/stats.json: missing');
  } else if (n > 0) {
    for (const [key, f] of Object.entries(info.features)) {
      if (f.dtype === 'string') continue;
      const s = stats[key];
      if (!s) { errors.push(`meta/stats.json: no stats for feature '${key}'`); continue; }
      for (const stat of ['min', 'max', 'mean', 'std', 'count']) if (s[stat] === undefined) errors.push(`meta/stats.json: '${key}' lacks '${stat}'`);
      const dims = isVisual(f) ? 3 : f.shape[0]!;
      if (s.mean !== undefined && flattenStat(s.mean).length !== dims) errors.push(`meta/stats.json: '${key}' mean has ${flattenStat(s.mean).length} values, expected ${dims}`);
    }
    const count = stats.index?.count !== undefined ? flattenStat(stats.index.count)[0] : undefined;
    if (count !== undefined && count !== info.total_frames) warnings.push(`meta/stats.json counts ${count} frames, the dataset has ${info.total_frames} (stale after an interrupted write; collect --append rewrites it)`);
  }

  return { dir, ok: errors.length === 0, version: info.codebase_version, episodes: ds.episodes.length, frames, errors, warnings };
}
