/**
 * Training loader: random windows of T consecutive frames (images, state, action, task), shuffled
 * and batched, deterministic from a seed. Memory is bounded by `episodesInMemory` decoded episodes
 * (plus fewer than one batch of carried-over windows), whatever the dataset size: each epoch walks
 * the episodes in a seeded random order, a group at a time, and shuffles the windows of a group.
 */
import { InputError } from '../errors.ts';
import { Rng } from '../rng.ts';
import type { EpisodeData } from './episode.ts';
import type { Dataset } from './reader.ts';

export interface LoaderOptions {
  /** Frames per window (T). */
  window: number;
  /** Windows per batch (B). */
  batch: number;
  seed: number;
  /** Decoded episodes held at once (default 16). */
  episodesInMemory?: number;
  /** Features the model needs; missing ones are a one-line error up front. */
  require?: string[];
  /** Restrict to these episode indices (e.g. a validation slice). */
  episodes?: number[];
  /** Step between window starts within an episode (default 1). */
  stride?: number;
  /**
   * Also draw one goal frame per window: a frame j ≥ start of the same episode, uniformly, with
   * its gap j − start and whether the episode succeeded (for time-to-reach learning).
   */
  goals?: boolean;
  /**
   * Oversampling: how many times each window enters its epoch (default once). Used to repeat the
   * rare windows a model must learn from (see train/stalls.ts); windowsPerEpoch ignores it.
   */
  copies?: (ep: EpisodeData, start: number) => number;
}

/** One later frame of each window's episode (see LoaderOptions.goals). */
export interface GoalFrames {
  /** Per camera key: uint8 [B, H, W, 3]. */
  images: Record<string, Uint8Array>;
  /** float32 [B, S]. */
  state: Float32Array;
  /** Steps from the window's first frame to the goal frame. */
  gap: Float32Array;
  /** 1 where the episode reached its goal, else 0. */
  success: Float32Array;
}

export interface WindowBatch {
  batch: number;
  window: number;
  /** Per camera key: uint8 [B, T, H, W, 3]. */
  images: Record<string, Uint8Array>;
  /** float32 [B, T, S]. */
  state: Float32Array;
  /** float32 [B, T, A]. */
  action: Float32Array;
  task: string[];
  episode: Int32Array;
  start: Int32Array;
  goals?: GoalFrames;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export class WindowLoader {
  readonly ds: Dataset;
  readonly opts: Required<Omit<LoaderOptions, 'require' | 'episodes' | 'goals' | 'copies'>> & { goals: boolean; copies?: LoaderOptions['copies'] };
  private readonly episodes: number[];
  private readonly imageKeys: string[];
  private readonly stateDim: number;
  private readonly actionDim: number;

  constructor(ds: Dataset, opts: LoaderOptions) {
    this.ds = ds;
    this.opts = { episodesInMemory: 16, stride: 1, ...opts, goals: opts.goals ?? false };
    for (const [name, v] of Object.entries({ window: opts.window, batch: opts.batch, stride: this.opts.stride, episodesInMemory: this.opts.episodesInMemory })) {
      if (!Number.isInteger(v) || v < 1) throw new InputError(`loader ${name} must be a whole number ≥ 1, got ${v}`);
    }
    const lacking = (opts.require ?? []).filter((k) => !ds.features[k]);
    if (lacking.length) {
      throw new InputError(`dataset ${ds.dir} lacks feature${lacking.length > 1 ? 's' : ''} ${lacking.map((k) => `'${k}'`).join(', ')} that the model needs`, `it has: ${Object.keys(ds.features).join(', ')}`);
    }
    this.imageKeys = Object.entries(ds.features).filter(([, f]) => f.dtype === 'image' || f.dtype === 'video').map(([k]) => k);
    this.stateDim = ds.features['observation.state']?.shape[0] ?? 0;
    this.actionDim = ds.features.action?.shape[0] ?? 0;
    this.episodes = (opts.episodes ?? ds.episodes.map((m) => m.episode_index)).filter((i) => (ds.episodes[i]?.length ?? 0) >= opts.window);
    if (this.episodes.length === 0) throw new InputError(`no episode in ${ds.dir} has ${opts.window} frames`, 'use a shorter window');
  }

  /** Number of windows per epoch. */
  get windowsPerEpoch(): number {
    return this.episodes.reduce((s, i) => s + Math.floor((this.ds.episodes[i]!.length - this.opts.window) / this.opts.stride) + 1, 0);
  }

  /** Batches forever (epoch after epoch), or for `epochs` epochs. */
  async *batches(epochs = Infinity): AsyncGenerator<WindowBatch> {
    const { window: T, batch: B, stride, episodesInMemory: G, seed } = this.opts;
    let carry: { ep: EpisodeData; index: number; start: number }[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const rng = new Rng(seed, `loader/epoch-${epoch}`);
      const order = shuffle([...this.episodes], rng);
      for (let g = 0; g < order.length; g += G) {
        const pool = [...carry];
        for (const index of order.slice(g, g + G)) {
          const ep = await this.ds.readEpisode(index);
          for (let s = 0; s + T <= ep.action.length; s += stride) {
            const n = this.opts.copies ? Math.max(1, Math.round(this.opts.copies(ep, s))) : 1;
            for (let k = 0; k < n; k++) pool.push({ ep, index, start: s });
          }
        }
        shuffle(pool, rng);
        let i = 0;
        for (; i + B <= pool.length; i += B) yield this.assemble(pool.slice(i, i + B), rng);
        carry = pool.slice(i); // fewer than B windows: keeps memory bounded
      }
    }
  }

  private assemble(ws: { ep: EpisodeData; index: number; start: number }[], rng: Rng): WindowBatch {
    const T = this.opts.window;
    const B = ws.length;
    const images: Record<string, Uint8Array> = {};
    for (const key of this.imageKeys) {
      const f = this.ds.features[key]!;
      const frame = f.shape[0]! * f.shape[1]! * 3;
      const buf = new Uint8Array(B * T * frame);
      ws.forEach((w, b) => { for (let t = 0; t < T; t++) buf.set(w.ep.images[key]![w.start + t]!, (b * T + t) * frame); });
      images[key] = buf;
    }
    const state = new Float32Array(B * T * this.stateDim);
    const action = new Float32Array(B * T * this.actionDim);
    ws.forEach((w, b) => {
      for (let t = 0; t < T; t++) {
        state.set(w.ep.state[w.start + t]!, (b * T + t) * this.stateDim);
        action.set(w.ep.action[w.start + t]!, (b * T + t) * this.actionDim);
      }
    });
    return {
      batch: B, window: T, images, state, action,
      task: ws.map((w) => w.ep.task),
      episode: Int32Array.from(ws.map((w) => w.index)),
      start: Int32Array.from(ws.map((w) => w.start)),
      ...(this.opts.goals ? { goals: this.goalFrames(ws, rng) } : {}),
    };
  }

  private goalFrames(ws: { ep: EpisodeData; start: number }[], rng: Rng): GoalFrames {
    const B = ws.length;
    const js = ws.map((w) => w.start + rng.int(w.ep.action.length - w.start));
    const images: Record<string, Uint8Array> = {};
    for (const key of this.imageKeys) {
      const f = this.ds.features[key]!;
      const frame = f.shape[0]! * f.shape[1]! * 3;
      const buf = new Uint8Array(B * frame);
      ws.forEach((w, b) => buf.set(w.ep.images[key]![js[b]!]!, b * frame));
      images[key] = buf;
    }
    const state = new Float32Array(B * this.stateDim);
    ws.forEach((w, b) => state.set(w.ep.state[js[b]!]!, b * this.stateDim));
    return {
      images, state,
      gap: Float32Array.from(ws.map((w, b) => js[b]! - w.start)),
      success: Float32Array.from(ws.map((w) => (w.ep.success ? 1 : 0))),
    };
  }
}
