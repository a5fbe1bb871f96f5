/**
 * A data-parallel replica for test/data-parallel.test.ts: a small MLP regression trainer, built
 * from workerData like src/node/wm-replica.ts builds a world model's. `failOn: 'grads'` makes the
 * replica throw on its first gradient request (the coordinator must surface it).
 */
import { workerData } from 'node:worker_threads';
import { useDevice } from '../src/nn/runtime.ts';
import { Trainer } from '../src/nn/trainer.ts';
import type { ReplicaState } from '../src/node/data-parallel.ts';
import { fromLeaves, replicaOptState, serveReplica } from '../src/node/data-parallel-replica.ts';
import { mlpLoss, mlpParams, type MlpParams } from './mlp-loss.fixture.ts';

const d = workerData as { state: ReplicaState; failOn?: 'grads' };
await useDevice('wasm');
const trainer = new Trainer(mlpLoss as never, fromLeaves<MlpParams>(mlpParams(), d.state.params), { optimizer: { lr: 0.05 } }, replicaOptState(mlpParams, d.state));
if (d.failOn === 'grads') trainer.gradients = () => Promise.reject(new Error('replica failed on purpose'));
serveReplica(trainer);
