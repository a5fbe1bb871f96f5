/** Worker-thread entry for one world's demo pipeline (the demo runs one world per core). */
import { parentPort, workerData } from 'node:worker_threads';
import { UmweltError } from '../errors.ts';
import { runDemoWorld, type DemoWorldOptions } from './demo-world.ts';

const options = workerData.options as Omit<DemoWorldOptions, 'onProgress'>;
try {
  const result = await runDemoWorld({ ...options, onProgress: (p) => parentPort!.postMessage({ type: 'progress', progress: p }) });
  parentPort!.postMessage({ type: 'done', result });
} catch (e) {
  const err = e as Error;
  parentPort!.postMessage({ type: 'error', name: err.name, message: err.message, hint: e instanceof UmweltError ? e.hint : undefined, stack: e instanceof UmweltError ? undefined : err.stack });
}
