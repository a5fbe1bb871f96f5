/** In-memory episode record: what a policy saw and did, frame by frame (LeRobot convention). */
import type { Observation, StepResult } from '../env/types.ts';

export interface EpisodeData {
  task: string;
  robot: string;
  /** Whether the episode ended in task success. */
  success: boolean;
  /** Raw uint8 RGB H×W×3 frames per camera key (`observation.images.<cam>`). */
  images: Record<string, Uint8Array[]>;
  state: Float32Array[];
  action: Float32Array[];
  reward: number[];
  done: boolean[];
  nextSuccess: boolean[];
  intervention: boolean[];
}

export function episodeLength(e: EpisodeData): number {
  return e.action.length;
}

/**
 * Builds an EpisodeData from env steps: frame t holds observation t, the action taken there,
 * and the reward/done/success that action produced (`next.*`). The final observation after the
 * last action is not a frame (as in LeRobot).
 */
export class EpisodeRecorder {
  private readonly ep: EpisodeData;
  private pending: Observation | undefined;

  constructor(robot: string, cameras: string[]) {
    this.ep = {
      task: '', robot, success: false,
      images: Object.fromEntries(cameras.map((c) => [`observation.images.${c}`, []])),
      state: [], action: [], reward: [], done: [], nextSuccess: [], intervention: [],
    };
  }

  /** The observation the next action will be taken from (after reset or step). */
  observe(obs: Observation): void {
    this.pending = obs;
    this.ep.task = obs.task;
  }

  record(action: ArrayLike<number>, result: StepResult, intervention = false): void {
    const obs = this.pending;
    if (!obs) throw new Error('EpisodeRecorder.record before observe');
    for (const key of Object.keys(this.ep.images)) this.ep.images[key]!.push(obs[key as `observation.images.${string}`]!);
    this.ep.state.push(Float32Array.from(obs['observation.state']));
    this.ep.action.push(Float32Array.from(action));
    this.ep.reward.push(result.reward);
    const done = result.terminated || result.truncated;
    this.ep.done.push(done);
    this.ep.nextSuccess.push(result.info.success);
    this.ep.intervention.push(intervention);
    if (result.info.success) this.ep.success = true;
    this.observe(result.obs);
  }

  finish(): EpisodeData {
    return this.ep;
  }
}
