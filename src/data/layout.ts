/** LeRobot v3.0 on-disk layout: path templates, defaults, atomic writes. */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const CODEBASE_VERSION = 'v3.0';
export const DEFAULT_CHUNKS_SIZE = 1000;
export const DEFAULT_DATA_FILE_SIZE_MB = 100;
export const DEFAULT_VIDEO_FILE_SIZE_MB = 200;
export const DATA_PATH = 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet';
export const VIDEO_PATH = 'videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4';
export const EPISODES_PATH = 'meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet';
export const INFO_PATH = 'meta/info.json';
export const STATS_PATH = 'meta/stats.json';
export const TASKS_PATH = 'meta/tasks.parquet';

/** Fills a LeRobot path template ("{chunk_index:03d}" style Python format fields). */
export function formatPath(template: string, fields: Record<string, string | number>): string {
  return template.replace(/\{(\w+)(?::0?(\d+)d)?\}/g, (_, key: string, width?: string) => {
    const v = fields[key];
    if (v === undefined) throw new Error(`path template ${template} needs ${key}`);
    return width ? String(v).padStart(Number(width), '0') : String(v);
  });
}

export interface FileSlot {
  chunk: number;
  file: number;
}

/** Next (chunk, file) after `s`, rolling over to a new chunk every `chunksSize` files. */
export function nextSlot(s: FileSlot | undefined, chunksSize: number): FileSlot {
  if (!s) return { chunk: 0, file: 0 };
  return s.file + 1 >= chunksSize ? { chunk: s.chunk + 1, file: 0 } : { chunk: s.chunk, file: s.file + 1 };
}

export function slotAfter(a: FileSlot | undefined, b: FileSlot | undefined): FileSlot | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.chunk > b.chunk || (a.chunk === b.chunk && a.file > b.file) ? a : b;
}

let tmpCounter = 0;

/**
 * fsync each file before renaming it into place. Off by default: rename alone already survives
 * kill -9 (the page cache outlives the process); fsync adds power-loss safety at ~2× the cost
 * per episode. UMWELT_FSYNC=1 turns it on.
 */
export const FSYNC = typeof process !== 'undefined' && process.env.UMWELT_FSYNC === '1';

/**
 * Writes a file so that readers see either the old or the new content, never a torn one, even
 * after kill -9: temp file in the same folder, then rename over the target.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${process.pid}.${tmpCounter++}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    if (FSYNC) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
