/**
 * WorldEnv: the generic Env over a WorldDef. Owns the Sim and cameras, rebuilds the model when the
 * scene changes (walls, colours and sizes live in the MJCF), validates actions, runs physics
 * substeps, checks health, renders observations.
 */
import { ActionError } from '../errors.ts';
import { RayCamera } from '../sim/camera.ts';
import { Sim } from '../sim/sim.ts';
import type { MuJoCo } from '../sim/mujoco.ts';
import { mujoco } from '../sim/mujoco.ts';
import type { SceneBase, WorldContext, WorldDef } from '../worlds/world.ts';
import type { Env, EnvSpec, Observation, ResetOptions, StepInfo, StepResult } from './types.ts';

export interface WorldEnvOptions {
  /** Image size (square) for every camera; default 64. */
  size?: number;
  /** Render camera images into observations (default true); false skips rendering for speed. */
  images?: boolean;
}

export class WorldEnv<S extends SceneBase = SceneBase> implements Env {
  readonly spec: EnvSpec;
  readonly world: WorldDef<S>;
  private readonly mj: MuJoCo;
  private readonly images: boolean;
  private readonly size: number;
  private sim_: Sim | undefined;
  private cameras: RayCamera[] = [];
  private scene_: S | undefined;
  private xml: string | undefined;
  private steps = 0;
  private done = true;
  private readonly action: Float64Array;

  constructor(mj: MuJoCo, world: WorldDef<S>, opts: WorldEnvOptions = {}) {
    this.mj = mj;
    this.world = world;
    this.size = opts.size ?? 64;
    this.images = opts.images ?? true;
    this.action = new Float64Array(world.actionNames.length);
    this.spec = {
      world: world.name,
      robot: world.robot,
      task: world.task,
      fps: world.fps,
      substeps: world.substeps,
      maxSteps: world.maxSteps,
      action: { names: [...world.actionNames], low: -1, high: 1 },
      state: { names: [...world.stateNames] },
      cameras: world.cameras.map((name) => ({ name, width: this.size, height: this.size })),
    };
  }

  static async create<S extends SceneBase>(world: WorldDef<S>, opts: WorldEnvOptions = {}): Promise<WorldEnv<S>> {
    return new WorldEnv(await mujoco(), world, opts);
  }

  get sim(): Sim {
    if (!this.sim_) throw new Error('call reset() before using the env');
    return this.sim_;
  }

  get scene(): S {
    if (!this.scene_) throw new Error('call reset() before using the env');
    return this.scene_;
  }

  get ctx(): WorldContext<S> {
    return { sim: this.sim, scene: this.scene };
  }

  get stepCount(): number {
    return this.steps;
  }

  reset(opts: ResetOptions): { obs: Observation; info: StepInfo } {
    const split = opts.split ?? 'train';
    const scene = this.world.sampleScene(split, opts.seed);
    const built = this.world.buildMjcf(scene);
    const src = typeof built === 'string' ? { xml: built } : built;
    const xml = src.xml;
    if (xml !== this.xml || !this.sim_) {
      this.disposeSim();
      this.sim_ = Sim.fromMjcfSync(this.mj, src, `world ${this.world.name}`);
      this.xml = xml;
      if (this.images) this.cameras = this.world.cameras.map((c) => new RayCamera(this.sim, c, { width: this.size, height: this.size }));
    } else {
      this.sim_.reset();
    }
    this.scene_ = scene;
    this.world.init(this.ctx);
    this.sim.forward();
    this.steps = 0;
    this.done = false;
    return { obs: this.observe(), info: { success: this.world.success(this.ctx) } };
  }

  step(action: ArrayLike<number>): StepResult {
    if (this.done) throw new ActionError('step() called on a finished episode', 'call reset() first');
    const n = this.action.length;
    if (!action || action.length !== n) {
      throw new ActionError(`action has ${action?.length ?? 0} values, world ${this.world.name} needs ${n} (${this.spec.action.names.join(', ')})`);
    }
    for (let i = 0; i < n; i++) {
      const a = Number(action[i]);
      if (!Number.isFinite(a)) throw new ActionError(`action[${i}] is ${a}: actions must be finite numbers in [-1, 1]`);
      this.action[i] = a < -1 ? -1 : a > 1 ? 1 : a;
    }
    const ctx = this.ctx;
    this.world.applyAction(ctx, this.action);
    this.sim.step(this.world.substeps);
    this.steps++;
    const failure = this.sim.healthProblem();
    if (failure) {
      this.done = true;
      return { obs: this.observe(), reward: 0, terminated: true, truncated: false, info: { success: false, failure } };
    }
    this.sim.kinematics();
    const success = this.world.success(ctx);
    const reward = this.world.reward(ctx);
    const truncated = !success && this.steps >= this.world.maxSteps;
    this.done = success || truncated;
    return { obs: this.observe(), reward, terminated: success, truncated, info: { success } };
  }

  /**
   * The camera image of the scene's goal configuration (the world's `goal()` applied to a fork of
   * the current state), for goal-conditioned planners. Null when the world defines no goal.
   */
  goalObservation(camera = this.world.cameras[0]!, size = this.size): { rgb: Uint8Array; state: Float32Array } | null {
    if (!this.world.goal) return null;
    const fork = this.sim.fork();
    try {
      const ctx = { sim: fork, scene: this.scene };
      this.world.goal(ctx);
      fork.data.qvel.fill(0); // the goal configuration at rest
      fork.forward();
      const cam = new RayCamera(fork, camera, { width: size, height: size });
      try {
        return { rgb: cam.render().rgb, state: Float32Array.from(this.world.state(ctx)) };
      } finally {
        cam.dispose();
      }
    } finally {
      fork.dispose();
    }
  }

  /** Renders one camera at the current state (any size), independent of observation settings. */
  render(camera = this.world.cameras[0]!, size = this.size): Uint8Array {
    const cam = new RayCamera(this.sim, camera, { width: size, height: size });
    try {
      return cam.render().rgb;
    } finally {
      cam.dispose();
    }
  }

  private observe(): Observation {
    const obs = {
      'observation.state': Float32Array.from(this.world.state(this.ctx)),
      task: this.scene.task,
    } as Observation;
    this.world.cameras.forEach((name, i) => {
      const cam = this.cameras[i];
      obs[`observation.images.${name}`] = cam ? cam.render().rgb : new Uint8Array(0);
    });
    return obs;
  }

  private disposeSim(): void {
    for (const c of this.cameras) c.dispose();
    this.cameras = [];
    this.sim_?.dispose();
    this.sim_ = undefined;
  }

  close(): void {
    this.disposeSim();
    this.xml = undefined;
  }
}
