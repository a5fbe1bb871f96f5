/**
 * Sim: owns one MjModel + MjData pair and everything MuJoCo-specific the rest of umwelt needs
 * (state get/set/fork, health checks, error mapping). Browser-safe: no Node built-ins here;
 * reading files from disk lives in src/sim/mjcf-files.ts's Node adapter.
 */
import { ModelLoadError, SimInstabilityError } from '../errors.ts';
import { mujoco, type MjData, type MjModel, type MuJoCo } from './mujoco.ts';

/** Files an MJCF references (includes, meshes, textures), keyed by their path relative to the main file. */
export type MjcfFiles = Record<string, Uint8Array | string>;

export interface MjcfSource {
  /** The main MJCF document. */
  xml: string;
  /** Every other file it references, by the path it uses (relative to the main file's folder). */
  files?: MjcfFiles;
}

/** Warnings that mean the physics went wrong (MuJoCo silently auto-resets on BADQACC). */
const FATAL_WARNINGS: readonly [number, string][] = [
  [3, 'bad qpos (NaN/Inf/huge)'],
  [4, 'bad qvel (NaN/Inf/huge)'],
  [5, 'bad qacc: the simulation diverged and MuJoCo auto-reset it'],
  [6, 'bad ctrl (NaN/Inf)'],
  [1, 'contact buffer full'],
  [2, 'constraint buffer full'],
];

const MAIN_FILE = '__umwelt_main__.xml';

function mapLoadError(err: unknown, what: string): ModelLoadError {
  const raw = String(err instanceof Error ? err.message : err);
  // "MuJoCo Error: Loading error: XML Error: ...\nElement 'geom', line 1" → one line.
  const msg = raw.replace(/^(Error:\s*)?MuJoCo Error:\s*/, '').replace(/\s+/g, ' ').trim();
  return new ModelLoadError(`could not load ${what}: ${msg}`, 'check the MJCF file and the files it references');
}

export class Sim {
  readonly mj: MuJoCo;
  readonly model: MjModel;
  readonly data: MjData;
  private readonly ownsModel: boolean;
  private disposed = false;
  private warningBase: number[];
  private readonly stateSpec: number;
  private readonly stateBuf: { GetView(): Float64Array; delete(): void };

  private constructor(mj: MuJoCo, model: MjModel, ownsModel: boolean) {
    this.mj = mj;
    this.model = model;
    this.ownsModel = ownsModel;
    this.data = new mj.MjData(model);
    this.stateSpec = mj.mjtState.mjSTATE_INTEGRATION.value;
    this.stateBuf = new mj.DoubleBuffer(mj.mj_stateSize(model, this.stateSpec));
    this.warningBase = this.warningCounts();
  }

  /** Compiles an MJCF document; `files` feeds MuJoCo's virtual file system (includes, meshes). */
  static async fromMjcf(src: MjcfSource | string, what = 'MJCF model'): Promise<Sim> {
    const mj = await mujoco();
    return new Sim(mj, Sim.compile(mj, typeof src === 'string' ? { xml: src } : src, what), true);
  }

  /** Synchronous variant once MuJoCo is loaded (worlds rebuild scenes on every reset). */
  static fromMjcfSync(mj: MuJoCo, src: MjcfSource, what = 'MJCF model'): Sim {
    return new Sim(mj, Sim.compile(mj, src, what), true);
  }

  private static compile(mj: MuJoCo, src: MjcfSource, what: string): MjModel {
    const files = src.files ?? {};
    if (Object.keys(files).length === 0) {
      try {
        return mj.MjModel.from_xml_string(src.xml);
      } catch (err) {
        throw mapLoadError(err, what);
      }
    }
    // from_xml_string cannot see a VFS; put the main document in it and load by path.
    const vfs = new mj.MjVFS();
    const enc = new TextEncoder();
    try {
      for (const [name, body] of Object.entries(files)) {
        vfs.addBuffer(name, typeof body === 'string' ? enc.encode(body) : body);
      }
      vfs.addBuffer(MAIN_FILE, enc.encode(src.xml));
      return mj.MjModel.from_xml_path(MAIN_FILE, vfs);
    } catch (err) {
      throw mapLoadError(err, what);
    } finally {
      vfs.delete();
    }
  }

  // ---- stepping -------------------------------------------------------------------------

  step(n = 1): void {
    this.assertAlive();
    for (let i = 0; i < n; i++) this.mj.mj_step(this.model, this.data);
  }

  forward(): void {
    this.assertAlive();
    this.mj.mj_forward(this.model, this.data);
  }

  /** Positions of bodies/geoms/cameras for the current qpos; after mj_step they lag one step. */
  kinematics(): void {
    this.assertAlive();
    this.mj.mj_kinematics(this.model, this.data);
    this.mj.mj_camlight(this.model, this.data);
  }

  /** Resets to the model's default state and clears the warning baseline. */
  reset(): void {
    this.assertAlive();
    this.mj.mj_resetData(this.model, this.data);
    this.warningBase = this.warningCounts();
  }

  // ---- state ----------------------------------------------------------------------------

  /** Full integration state (time, qpos, qvel, act, warm-start, ctrl, …): a copy. */
  getState(): Float64Array {
    this.assertAlive();
    this.mj.mj_getState(this.model, this.data, this.stateBuf, this.stateSpec);
    return Float64Array.from(this.stateBuf.GetView());
  }

  setState(state: Float64Array): void {
    this.assertAlive();
    const view = this.stateBuf.GetView();
    if (state.length !== view.length) {
      throw new ModelLoadError(`state has ${state.length} values, this model needs ${view.length}`);
    }
    // mj_setState reads from a plain array argument.
    this.mj.mj_setState(this.model, this.data, Array.from(state), this.stateSpec);
    this.kinematics();
  }

  /** A new Sim on the same model with an identical state: stepping both gives identical bytes. */
  fork(): Sim {
    this.assertAlive();
    const child = new Sim(this.mj, this.model, false);
    child.setState(this.getState());
    return child;
  }

  // ---- health -----------------------------------------------------------------------------

  private warningCounts(): number[] {
    const vec = this.data.warning; // never delete d.warning itself: it belongs to MjData
    const out: number[] = [];
    for (let i = 0; i < vec.size(); i++) {
      const w = vec.get(i);
      out.push(w ? w.number : 0);
      w?.delete();
    }
    return out;
  }

  /** Null when healthy, else a one-line description of what went wrong since the last reset. */
  healthProblem(): string | null {
    const now = this.warningCounts();
    for (const [idx, text] of FATAL_WARNINGS) {
      if ((now[idx] ?? 0) > (this.warningBase[idx] ?? 0)) return `MuJoCo warning at t=${this.data.time.toFixed(3)} s: ${text}`;
    }
    return null;
  }

  /** Throws SimInstabilityError when MuJoCo flagged an instability. */
  assertHealthy(): void {
    const problem = this.healthProblem();
    if (problem) throw new SimInstabilityError(problem, 'lower the timestep, add damping, or bound the actions');
  }

  // ---- names ----------------------------------------------------------------------------

  id(type: 'body' | 'geom' | 'site' | 'joint' | 'actuator' | 'camera', name: string): number {
    const t = this.mj.mjtObj;
    const code = {
      body: t.mjOBJ_BODY, geom: t.mjOBJ_GEOM, site: t.mjOBJ_SITE, joint: t.mjOBJ_JOINT,
      actuator: t.mjOBJ_ACTUATOR, camera: t.mjOBJ_CAMERA,
    }[type].value;
    const id = this.mj.mj_name2id(this.model, code, name);
    if (id < 0) throw new ModelLoadError(`model has no ${type} named '${name}'`);
    return id;
  }

  // ---- lifetime -------------------------------------------------------------------------

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stateBuf.delete();
    this.data.delete();
    if (this.ownsModel) this.model.delete();
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('Sim used after dispose()');
  }
}
