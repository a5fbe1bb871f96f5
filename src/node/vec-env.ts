/**
 * VecEnv: N envs of one world stepped together on worker threads (one MuJoCo instance per thread).
 * Results are identical to running the same envs one by one in this thread (a test checks it):
 * each env's trajectory depends only on its seed and actions.
 */
import { availableParallelism } from 'node:os';
import type { Observation, ResetOptions, StepInfo, StepResult } from '../env/types.ts';
import { InputError } from '../errors.ts';
import { getWorld } from '../worlds/index.ts';
import { ensureWorld } from './robot-descriptor.ts';
import { Thread } from './thread.ts';

export interface VecEnvOptions {
  /** Worker threads (default: min(count, CPU cores)). */
  workers?: number;
  size?: number;
  images?: boolean;
}

export class VecEnv {
  readonly count: number;
  readonly world: string;
  private readonly threads: Thread[];
  /** For env i: which thread and its index there. */
  private readonly placement: [number, number][];

  private constructor(world: string, count: number, threads: Thread[]) {
    this.world = world;
    this.count = count;
    this.threads = threads;
    this.placement = Array.from({ length: count }, (_, i) => [i % threads.length, Math.floor(i / threads.length)]);
  }

  static async create(world: string, count: number, opts: VecEnvOptions = {}): Promise<VecEnv> {
    await ensureWorld(world);
    getWorld(world); // fail fast on unknown names
    if (!Number.isInteger(count) || count < 1) throw new InputError(`VecEnv needs a positive whole number of envs, got ${count}`);
    const nThreads = Math.max(1, Math.min(count, opts.workers ?? availableParallelism()));
    const threads = Array.from({ length: nThreads }, () => new Thread());
    const vec = new VecEnv(world, count, threads);
    try {
      await Promise.all(threads.map((t, ti) => t.call({
        type: 'envs', world, count: vec.placement.filter(([w]) => w === ti).length,
        size: opts.size ?? 64, images: opts.images ?? true,
      })));
    } catch (err) {
      await vec.close();
      throw err;
    }
    return vec;
  }

  /** Scatter one item per env to its thread, gather the replies back in env order. */
  private async scatter<I, O>(type: 'reset' | 'step', items: (I | null)[]): Promise<(O | null)[]> {
    if (items.length !== this.count) throw new InputError(`VecEnv.${type} needs ${this.count} entries, got ${items.length}`);
    const perThread: (I | null)[][] = this.threads.map(() => []);
    items.forEach((it, i) => {
      const [t, j] = this.placement[i]!;
      perThread[t]![j] = it;
    });
    const replies = await Promise.all(this.threads.map((th, t) =>
      th.call<(O | null)[]>(type === 'reset'
        ? { type, opts: perThread[t] as (ResetOptions | null)[] }
        : { type, actions: perThread[t] as (number[] | null)[] })));
    return this.placement.map(([t, j]) => replies[t]![j] ?? null);
  }

  /** Resets every env (or only those with non-null options). */
  async reset(opts: (ResetOptions | null)[]): Promise<({ obs: Observation; info: StepInfo } | null)[]> {
    return this.scatter('reset', opts);
  }

  /** Steps every env with a non-null action. */
  async step(actions: (ArrayLike<number> | null)[]): Promise<(StepResult | null)[]> {
    return this.scatter('step', actions.map((a) => (a ? Array.from(a) : null)));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
