/** Worker-thread entry: plans one share of the seeds (plan-thread.ts) and reports each episode. */
import { parentPort, workerData } from 'node:worker_threads';
import { UmweltError } from '../errors.ts';
import { planSeeds } from './plan-run.ts';
import type { PlanShard, PlanShardMessage } from './plan-thread.ts';

const s = workerData.shard as PlanShard;
const post = (m: PlanShardMessage) => parentPort!.postMessage(m);
try {
  const planned = await planSeeds(s.runs, s.world, s.split, s.seeds, s.planner, (result) => post({ type: 'episode', result }));
  post({ type: 'done', planned });
} catch (e) {
  const err = e as Error;
  post({ type: 'error', message: err.message, hint: e instanceof UmweltError ? e.hint : undefined, stack: e instanceof UmweltError ? undefined : err.stack });
}
