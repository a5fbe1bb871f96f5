/** A request/response wrapper over one worker thread running src/node/worker.ts. */
import { Worker } from 'node:worker_threads';
import { ActionError, InputError, ModelLoadError, SimInstabilityError, UmweltError } from '../errors.ts';
import type { WorkerReply, WorkerRequest } from './worker.ts';

const ERRORS: Record<string, new (m: string, h?: string) => UmweltError> = {
  ActionError, InputError, ModelLoadError, SimInstabilityError, UmweltError,
};

export class Thread {
  private readonly worker: Worker;
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  private dead: Error | undefined;

  constructor() {
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      workerData: { __module: new URL('./worker.ts', import.meta.url).href },
    });
    this.worker.on('message', (msg: WorkerReply) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (msg.type === 'ok') p.resolve(msg.value);
      else {
        const Cls = ERRORS[msg.name];
        p.reject(Cls ? new Cls(msg.message, msg.hint) : new Error(msg.message));
      }
    });
    const fail = (err: Error) => {
      this.dead = err;
      this.pending?.reject(err);
      this.pending = undefined;
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`worker thread exited (code ${code})`)));
  }

  /** One request at a time per thread (callers await each before the next). */
  call<T>(req: WorkerRequest): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.pending) return Promise.reject(new Error('Thread.call: a request is already in flight'));
    return new Promise<T>((resolve, reject) => {
      this.pending = { resolve: resolve as (v: unknown) => void, reject };
      this.worker.postMessage(req);
    });
  }

  async close(): Promise<void> {
    this.pending = undefined;
    this.dead ??= new Error('thread closed');
    await this.worker.terminate();
  }
}
