/**
 * Loads the official MuJoCo WASM build once per thread (single-threaded build: DESIGN.md measured
 * the /mt build slower on small scenes, and we parallelise with one instance per worker instead).
 */
import loadMujoco from '@mujoco/mujoco';
import type { MainModule, MjModel, MjData } from '@mujoco/mujoco';

export type MuJoCo = MainModule;
export type { MjModel, MjData };

let instance: Promise<MuJoCo> | undefined;

export function mujoco(): Promise<MuJoCo> {
  instance ??= loadMujoco();
  return instance;
}
