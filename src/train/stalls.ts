/**
 * Stalls: steps where an action does not move the agent the way actions usually do — a wall, an
 * object or a limit is in the way. They are what a world model must learn to stop at, and they are
 * rare in play data (two-room: ≈ 3 % of steps push into a wall), so a plain loss barely sees them.
 *
 * A least-squares map from action to the next step's change of position (positionDims: state dims
 * named *_x / *_y, or all), fitted on the dataset, predicts each step's displacement. A step stalls
 * when its predicted displacement is at least the median one and the actual displacement along it
 * is under STALL_FRACTION of it (sliding along a wall counts). World-agnostic: it needs the recorded
 * state, not the scene, and the model that trains on the windows still sees images only.
 */
import type { EpisodeData } from '../data/episode.ts';
import type { Dataset } from '../data/reader.ts';
import { linearProbeFit } from '../eval/linalg.ts';
import { positionDims } from '../data/features.ts';

/** Actual displacement along the predicted one under this fraction of the predicted one: the step stalled. */
export const STALL_FRACTION = 0.3;

export interface StallModel {
  /** State dims whose change the actions predict. */
  dims: number[];
  /** Predicted displacement (over `dims`) of one action. */
  predict: (action: ArrayLike<number>) => number[];
  /** Smallest predicted displacement norm that counts (the median over the fitted steps). */
  minPredicted: number;
}

/** Fits the action → displacement map on up to `maxEpisodes` episodes (state and action only). */
export async function fitStallModel(ds: Pick<Dataset, 'episodes' | 'features' | 'readEpisode'>, maxEpisodes = 100): Promise<StallModel> {
  const dims = positionDims(ds.features['observation.state']);
  const actionDim = ds.features.action?.shape[0] ?? 0;
  const x: number[] = [], y: number[] = [];
  for (let e = 0; e < Math.min(ds.episodes.length, maxEpisodes); e++) {
    const ep = await ds.readEpisode(e, { images: false });
    for (let t = 0; t + 1 < ep.action.length; t++) {
      x.push(...ep.action[t]!);
      for (const d of dims) y.push(ep.state[t + 1]![d]! - ep.state[t]![d]!);
    }
  }
  const rows = x.length / Math.max(1, actionDim);
  if (!dims.length || !actionDim || rows < 10) return { dims, predict: () => dims.map(() => 0), minPredicted: Infinity };
  const predict = linearProbeFit(x, y, actionDim, dims.length, Array.from({ length: rows }, (_, i) => i));
  const norms = Array.from({ length: rows }, (_, r) => Math.hypot(...predict(x.slice(r * actionDim, (r + 1) * actionDim)))).sort((a, b) => a - b);
  return { dims, predict, minPredicted: Math.max(norms[Math.floor(rows / 2)]!, 1e-9) };
}

/** Whether step t of the episode stalls (t + 1 must be a frame of it). */
export function isStall(m: StallModel, ep: Pick<EpisodeData, 'state' | 'action'>, t: number): boolean {
  const p = m.predict(ep.action[t]!);
  const pn = Math.hypot(...p);
  if (pn < m.minPredicted) return false;
  const along = m.dims.reduce((s, d, i) => s + (ep.state[t + 1]![d]! - ep.state[t]![d]!) * p[i]!, 0) / pn;
  return along < STALL_FRACTION * pn;
}

/** Copies per window for oversampling: `copies` if any of the window's `frames − 1` steps stalls, else 1. */
export function stallCopies(m: StallModel, frames: number, copies: number): (ep: Pick<EpisodeData, 'state' | 'action'>, start: number) => number {
  return (ep, start) => {
    for (let t = start; t + 1 < start + frames; t++) if (isStall(m, ep, t)) return copies;
    return 1;
  };
}
