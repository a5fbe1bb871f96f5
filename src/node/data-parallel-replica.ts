/** The worker side of data-parallel training (data-parallel.ts): serves one replica's requests in order. */
import { parentPort } from 'node:worker_threads';
import '../nn/polyfills.ts';
import { numpy as np, tree } from '@jax-js/jax';
import type { Trainer } from '../nn/trainer.ts';
import type { Tree } from '../nn/optim.ts';
import { deviceArgs, type FromReplica, type ReplicaState, type ToReplica } from './data-parallel.ts';

/** `template` with its leaves replaced by `leaves` (same order and sizes); the template is released. */
export function fromLeaves<P extends Tree>(template: P, leaves: Float32Array[]): P {
  const [old, structure] = tree.flatten(template) as [np.Array[], ReturnType<typeof tree.structure>];
  if (old.length !== leaves.length) throw new Error(`replica state has ${leaves.length} arrays, the model ${old.length}`);
  const fresh = old.map((t, i) => {
    if (leaves[i]!.length !== t.size) throw new Error(`replica state array ${i} has ${leaves[i]!.length} values, the model's ${t.size}`);
    const a = np.array(leaves[i]! as Float32Array<ArrayBuffer>).reshape(t.shape);
    t.dispose();
    return a;
  });
  return tree.unflatten(structure, fresh) as P;
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
      const params = await Promise.all((tree.leaves(trainer.params) as np.Array[]).map(async (x) => (await x.ref.data()) as Float32Array));
      post({ type: 'params', params });
    }
  };
  port.on('message', (m: ToReplica) => {
    queue = queue.then(() => handle(m)).catch((e: Error) => {
      post({ type: 'error', message: e.message, stack: e.stack });
    });
  });
}
