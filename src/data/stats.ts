/**
 * Feature statistics as LeRobot stores them: per-episode stats in the episodes table and their
 * aggregate in meta/stats.json. Vectors get per-dimension stats; images get per-channel stats of
 * values scaled to [0, 1] (shape [3, 1, 1]). Quantiles of uint8 images are exact (256-bin
 * histograms); aggregated quantiles are count-weighted means of episode quantiles (as LeRobot).
 */
import { isVisual, type Features } from './features.ts';
import type { EpisodeData } from './episode.ts';

export const QUANTILES: Record<string, number> = { q01: 0.01, q10: 0.1, q50: 0.5, q90: 0.9, q99: 0.99 };
export const STAT_NAMES = ['min', 'max', 'mean', 'std', 'count', ...Object.keys(QUANTILES)] as const;

/** One feature's stats, each a flat per-dimension array (count has one entry). */
export type FeatureStats = Record<string, number[]>;
export type Stats = Record<string, FeatureStats>;

function quantileSorted(sorted: Float64Array, q: number): number {
  // Linear interpolation between closest ranks (numpy's default).
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Stats of `values[t][d]` over t, per dimension d. */
export function vectorStats(values: ArrayLike<number>[], dims: number): FeatureStats {
  const n = values.length;
  const out: FeatureStats = { min: [], max: [], mean: [], std: [], count: [n] };
  for (const k of Object.keys(QUANTILES)) out[k] = [];
  const col = new Float64Array(n);
  for (let d = 0; d < dims; d++) {
    let sum = 0;
    for (let t = 0; t < n; t++) { col[t] = values[t]![d]!; sum += col[t]!; }
    const mean = n ? sum / n : 0;
    let ss = 0;
    for (let t = 0; t < n; t++) ss += (col[t]! - mean) ** 2;
    col.sort();
    out.min!.push(n ? col[0]! : 0);
    out.max!.push(n ? col[n - 1]! : 0);
    out.mean!.push(mean);
    out.std!.push(n ? Math.sqrt(ss / n) : 0);
    for (const [k, q] of Object.entries(QUANTILES)) out[k]!.push(n ? quantileSorted(col, q) : 0);
  }
  return out;
}

/** Per-channel stats of RGB frames, values scaled to [0, 1]; exact via histograms. */
export function imageStats(frames: Uint8Array[]): FeatureStats {
  const hist = [new Float64Array(256), new Float64Array(256), new Float64Array(256)];
  for (const f of frames) {
    const h0 = hist[0]!, h1 = hist[1]!, h2 = hist[2]!;
    for (let i = 0; i < f.length; i += 3) { h0[f[i]!]!++; h1[f[i + 1]!]!++; h2[f[i + 2]!]!++; }
  }
  const out: FeatureStats = { min: [], max: [], mean: [], std: [], count: [frames.length] };
  for (const k of Object.keys(QUANTILES)) out[k] = [];
  for (const h of hist) {
    let n = 0, sum = 0, sq = 0, min = -1, max = -1;
    for (let v = 0; v < 256; v++) {
      const c = h[v]!;
      if (!c) continue;
      if (min < 0) min = v;
      max = v;
      n += c; sum += c * v; sq += c * v * v;
    }
    const mean = n ? sum / n : 0;
    out.min!.push(Math.max(0, min) / 255);
    out.max!.push(Math.max(0, max) / 255);
    out.mean!.push(mean / 255);
    out.std!.push(n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) / 255 : 0);
    for (const [k, q] of Object.entries(QUANTILES)) {
      // The value at rank q·(n-1), interpolated like quantileSorted.
      const pos = q * (n - 1);
      const valueAt = (rank: number) => {
        let acc = 0;
        for (let v = 0; v < 256; v++) { acc += h[v]!; if (acc > rank) return v; }
        return 255;
      };
      const lo = Math.floor(pos);
      const a = valueAt(lo), b = valueAt(Math.min(n - 1, lo + 1));
      out[k]!.push(n ? (a + (b - a) * (pos - lo)) / 255 : 0);
    }
  }
  return out;
}

/** Stats of every non-string feature of one episode (frame/episode indices included, as LeRobot). */
export function episodeStats(e: EpisodeData, features: Features, offsets: { episodeIndex: number; globalIndex: number; taskIndex: number; fps: number }): Stats {
  const n = e.action.length;
  const scalar = (f: (t: number) => number) => vectorStats(Array.from({ length: n }, (_, t) => [f(t)]), 1);
  const stats: Stats = {};
  for (const [key, feat] of Object.entries(features)) {
    if (isVisual(feat)) stats[key] = imageStats(e.images[key] ?? []);
    else if (key === 'observation.state') stats[key] = vectorStats(e.state, feat.shape[0]!);
    else if (key === 'action') stats[key] = vectorStats(e.action, feat.shape[0]!);
    else if (key === 'next.reward') stats[key] = scalar((t) => Math.fround(e.reward[t]!));
    else if (key === 'next.done') stats[key] = scalar((t) => +e.done[t]!);
    else if (key === 'next.success') stats[key] = scalar((t) => +e.nextSuccess[t]!);
    else if (key === 'intervention') stats[key] = scalar((t) => +e.intervention[t]!);
    else if (key === 'timestamp') stats[key] = scalar((t) => Math.fround(t / offsets.fps));
    else if (key === 'frame_index') stats[key] = scalar((t) => t);
    else if (key === 'episode_index') stats[key] = scalar(() => offsets.episodeIndex);
    else if (key === 'index') stats[key] = scalar((t) => offsets.globalIndex + t);
    else if (key === 'task_index') stats[key] = scalar(() => offsets.taskIndex);
  }
  return stats;
}

/** Combines per-episode stats: exact min/max/mean/std, count-weighted mean of quantiles. */
export function aggregateStats(all: Stats[]): Stats {
  const out: Stats = {};
  const keys = new Set(all.flatMap((s) => Object.keys(s)));
  for (const key of keys) {
    const parts = all.map((s) => s[key]).filter((s): s is FeatureStats => !!s && s.count![0]! > 0);
    if (parts.length === 0) continue;
    const dims = parts[0]!.mean!.length;
    const total = parts.reduce((s, p) => s + p.count![0]!, 0);
    const agg: FeatureStats = { min: [], max: [], mean: [], std: [], count: [total] };
    for (const k of Object.keys(QUANTILES)) agg[k] = [];
    for (let d = 0; d < dims; d++) {
      let mean = 0;
      for (const p of parts) mean += (p.count![0]! / total) * p.mean![d]!;
      let v = 0;
      for (const p of parts) v += (p.count![0]! / total) * (p.std![d]! ** 2 + (p.mean![d]! - mean) ** 2);
      agg.min!.push(Math.min(...parts.map((p) => p.min![d]!)));
      agg.max!.push(Math.max(...parts.map((p) => p.max![d]!)));
      agg.mean!.push(mean);
      agg.std!.push(Math.sqrt(v));
      for (const k of Object.keys(QUANTILES)) {
        let q = 0;
        for (const p of parts) q += (p.count![0]! / total) * (p[k]?.[d] ?? 0);
        agg[k]!.push(q);
      }
    }
    out[key] = agg;
  }
  return out;
}

/** JSON shape of one stat: images [C, 1, 1]; everything else flat. */
export function shapeStat(values: number[], visual: boolean, stat: string): unknown {
  if (stat === 'count') return values;
  return visual ? values.map((v) => [[v]]) : values;
}

export function flattenStat(value: unknown): number[] {
  return Array.isArray(value) ? (value.flat(3) as number[]).map(Number) : [Number(value)];
}
