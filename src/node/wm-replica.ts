/** Worker-thread entry: one data-parallel replica of a world-model training run (see trainWorldModel's dataParallel). */
import { workerData } from 'node:worker_threads';
import { useDevice } from '../nn/runtime.ts';
import { Trainer } from '../nn/trainer.ts';
import type { AdamWConfig } from '../nn/optim.ts';
import { initWorldModel, type WorldModelParams } from '../models/worldmodel/model.ts';
import type { WorldModelConfig } from '../models/worldmodel/config.ts';
import { worldModelTrainingLoss } from '../train/worldmodel.ts';
import type { ReplicaState } from './data-parallel.ts';
import { fromLeaves, replicaOptState, serveReplica } from './data-parallel-replica.ts';

const d = workerData as { config: WorldModelConfig; optimizer: AdamWConfig; state: ReplicaState };
await useDevice('wasm');
// The template only gives the parameter tree's shape; every value comes from the coordinator.
const template = () => initWorldModel(d.config, 0);
const params = fromLeaves<WorldModelParams>(template(), d.state.params);
serveReplica(new Trainer(worldModelTrainingLoss(d.config) as never, params, { optimizer: d.optimizer }, replicaOptState(template, d.state)));
