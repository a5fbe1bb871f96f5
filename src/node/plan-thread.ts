/** Plans a share of `umwelt plan`'s episodes in a worker thread (one core each; see planEpisodes' plannerWorkers). */
import { Worker } from 'node:worker_threads';
import { UmweltError } from '../errors.ts';
import type { Split } from '../env/types.ts';
import type { EpisodeResult } from '../eval/rollout.ts';
import type { PlannerConfig } from '../plan/latent-planner.ts';
import type { PlannedSeeds } from './plan-run.ts';

export interface PlanShard { runs: string[]; world: string; split: Split; seeds: number[]; planner?: Partial<PlannerConfig> }

export type PlanShardMessage =
  | { type: 'episode'; result: EpisodeResult }
  | { type: 'done'; planned: PlannedSeeds }
  | { type: 'error'; message: string; hint?: string; stack?: string };

export function planSeedsInThread(shard: PlanShard, onEpisode: (r: EpisodeResult) => void = () => {}): Promise<PlannedSeeds> {
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
    workerData: { __module: new URL('./plan-worker.ts', import.meta.url).href, shard },
  });
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const settle = (f: () => void) => { if (!settled) { settled = true; f(); void worker.terminate(); } };
    worker.on('message', (m: PlanShardMessage) => {
      if (m.type === 'episode') onEpisode(m.result);
      else if (m.type === 'done') settle(() => resolvePromise(m.planned));
      else settle(() => reject(m.stack ? Object.assign(new Error(m.message), { stack: m.stack }) : new UmweltError(m.message, m.hint)));
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`planner thread exited (code ${code})`))));
  });
}
