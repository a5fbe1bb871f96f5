/** The worker side of data-parallel training (data-parallel.ts): serves one replica's requests in order. */
import { parentPort } from 'node:worker_threads';
import '../nn/polyfills.ts';
import { tree } from '@jax-js/jax';
import { treeFromHost, type Trainer } from '../nn/trainer.ts';
import type { Tree } from '../nn/optim.ts';
import { deviceArgs, hostLeaves, type FromReplica, type ReplicaState, type ToReplica } from './data-parallel.ts';

/** `template` with its leaves replaced by `leaves` (same order and sizes); the template is released. */
export function fromLeaves<P extends Tree>(template: P, leaves: Float32Array[]): P {
  const filled = treeFromHost(template, leaves, 'replica state array');
  tree.dispose(template);
  return filled;
}

/** The optimizer-state half of a replica's start: `{ opt, step }` for the Trainer constructor. */
export function replicaOptState<P extends Tree>(template: () => P, s: ReplicaState): { opt: { m: P; v: P }; step: number } {
  return { opt: { m: fromLeaves(template(), s.m), v: fromLeaves(template(), s.v) }, step: s.step };
}

/** Answers the coordinator's requests, strictly one after another (an apply must land before the next gradients). */
export function serveReplica<P extends Tree>(trainer: Trainer<P>): void {
  const port = parentPort!;
  const post = (m: FromReplica, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  let queue: Promise<void> = Promise.resolve();
  const handle = async (m: ToReplica): Promise<void> => {
    if (m.type === 'grads') {
      const g = await trainer.gradients(...deviceArgs(m.batch));
      post({ type: 'grads', parts: g.parts, grads: g.grads }, [g.parts.buffer as ArrayBuffer, ...g.grads.map((x) => x.buffer as ArrayBuffer)]);
    } else if (m.type === 'apply') {
      await trainer.applyGradients(m.grads);
    } else {
      post({ type: 'params', params: await hostLeaves(trainer.params) });
    }
  };
  port.on('message', (m: ToReplica) => {
    queue = queue.then(() => handle(m)).catch((e: Error) => {
      post({ type: 'error', message: e.message, stack: e.stack });
    });
  });
}
