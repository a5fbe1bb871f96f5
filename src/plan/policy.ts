/** The latent planner as a Policy: encodes observations and the goal image, plans with MPC. */
import type { Observation } from '../env/types.ts';
import type { WorldEnv } from '../env/world-env.ts';
import type { Policy } from '../experts/policy.ts';
import { InputError } from '../errors.ts';
import type { LatentPlanner } from './latent-planner.ts';

export class LatentPlanPolicy implements Policy {
  readonly name: string;
  constructor(private readonly planner: LatentPlanner, private readonly imageKey: string) {
    this.name = `jepa-${planner.config.method}${planner.size > 1 ? `-ensemble${planner.size}` : ''}`;
  }

  reset(env: WorldEnv, seed: number): void {
    const camera = this.imageKey.replace('observation.images.', '');
    const goal = env.goalObservation(camera);
    if (!goal) throw new InputError(`world ${env.world.name} defines no goal configuration for goal images`);
    this.planner.resetToGoalFrame(goal.rgb, goal.state, seed);
  }

  act(obs: Observation, _env: WorldEnv): Float64Array {
    const rgb = obs[this.imageKey as `observation.images.${string}`];
    if (!rgb) throw new InputError(`the env gives no ${this.imageKey}; create it with images enabled`);
    return this.planner.actOnFrame(rgb, obs['observation.state']);
  }
}
