/** The Env contract (Gymnasium-like) shared by every world. Browser-safe. */

export const SPLITS = ['train', 'heldout'] as const;
export type Split = (typeof SPLITS)[number];

/** LeRobot observation keys: `observation.images.<camera>` (uint8 H×W×3), `observation.state`, `task`. */
export type Observation = {
  'observation.state': Float32Array;
  task: string;
} & { [key: `observation.images.${string}`]: Uint8Array };

export interface CameraSpec {
  name: string;
  width: number;
  height: number;
}

export interface EnvSpec {
  world: string;
  robot: string;
  task: string;
  /** Control rate (Hz); each control step runs `substeps` physics steps. */
  fps: number;
  substeps: number;
  maxSteps: number;
  /** Actions are normalised to [-1, 1] per dimension. */
  action: { names: string[]; low: number; high: number };
  state: { names: string[] };
  cameras: CameraSpec[];
}

export interface StepInfo {
  success: boolean;
  /** Set when the simulation became unstable; the episode then ends as a failure. */
  failure?: string;
  [key: string]: unknown;
}

export interface StepResult {
  obs: Observation;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

export interface ResetOptions {
  seed: number;
  split?: Split;
}

export interface Env {
  readonly spec: EnvSpec;
  reset(opts: ResetOptions): { obs: Observation; info: StepInfo };
  step(action: ArrayLike<number>): StepResult;
  close(): void;
}
