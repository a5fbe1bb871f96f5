/**
 * RayCamera: a CPU renderer over mj_multiRay. One ray per pixel through an MJCF camera, Lambert
 * shading from the hit normal under a fixed directional light, so output bytes depend only on the
 * sim state (no GPU, no driver differences): identical state → identical image.
 */
import { ModelLoadError } from '../errors.ts';
import type { Sim } from './sim.ts';

export interface CameraOptions {
  width?: number;
  height?: number;
  /** Geom groups the camera sees (MuJoCo mjNGROUP = 6); groups 3–5 are hidden by default. */
  geomGroups?: readonly number[];
  /** Rays longer than this (metres) count as a miss. */
  far?: number;
}

export interface Frame {
  width: number;
  height: number;
  /** uint8 RGB, row-major, row 0 at the top of the image. */
  rgb: Uint8Array;
  /** Depth along the camera axis in metres; `far` where a ray hits nothing. */
  depth: Float32Array;
}

/** Background for rays that hit nothing. */
const SKY: readonly [number, number, number] = [0.08, 0.09, 0.12];
/**
 * Direction *towards* the light (normalised below): above, slightly front-left. Used when the model
 * has no light; otherwise the model's first light's direction is used (so scenes can randomise it).
 */
const LIGHT_DIR = normalize([-0.3, -0.4, 1]);
const AMBIENT = 0.45;
const DIFFUSE = 0.55;

function normalize(v: readonly number[]): [number, number, number] {
  const n = Math.hypot(v[0]!, v[1]!, v[2]!);
  return [v[0]! / n, v[1]! / n, v[2]! / n];
}

type Buf<T> = { GetView(): T; delete(): void };

export class RayCamera {
  readonly width: number;
  readonly height: number;
  readonly cameraId: number;
  private readonly sim: Sim;
  private readonly far: number;
  private readonly groups: number[];
  /** Per-pixel ray direction in the camera frame (x right, y up, looking along -z). */
  private readonly local: Float64Array;
  private readonly world: Float64Array;
  private readonly geomId: Buf<Int32Array>;
  private readonly dist: Buf<Float64Array>;
  private readonly normal: Buf<Float64Array>;

  constructor(sim: Sim, camera: string | number, opts: CameraOptions = {}) {
    this.sim = sim;
    this.width = opts.width ?? 64;
    this.height = opts.height ?? 64;
    if (!Number.isInteger(this.width) || !Number.isInteger(this.height) || this.width < 1 || this.height < 1 || this.width > 4096 || this.height > 4096) {
      throw new ModelLoadError(`camera size must be whole numbers in 1..4096, got ${this.width}×${this.height}`);
    }
    this.cameraId = typeof camera === 'number' ? camera : sim.id('camera', camera);
    if (this.cameraId < 0 || this.cameraId >= sim.model.ncam) throw new ModelLoadError(`model has no camera ${camera}`);
    this.far = opts.far ?? 50;
    const g = opts.geomGroups ?? [0, 1, 2];
    this.groups = [0, 1, 2, 3, 4, 5].map((i) => (g.includes(i) ? 1 : 0));

    const fovy = (sim.model.cam_fovy[this.cameraId]! * Math.PI) / 180;
    const t = Math.tan(fovy / 2);
    const aspect = this.width / this.height;
    const n = this.width * this.height;
    this.local = new Float64Array(3 * n);
    for (let r = 0; r < this.height; r++) {
      for (let c = 0; c < this.width; c++) {
        const i = r * this.width + c;
        this.local[3 * i] = ((2 * (c + 0.5)) / this.width - 1) * t * aspect;
        this.local[3 * i + 1] = (1 - (2 * (r + 0.5)) / this.height) * t;
        this.local[3 * i + 2] = -1;
      }
    }
    this.world = new Float64Array(3 * n);
    const mj = sim.mj;
    this.geomId = new mj.IntBuffer(n) as Buf<Int32Array>;
    this.dist = new mj.DoubleBuffer(n) as Buf<Float64Array>;
    this.normal = new mj.DoubleBuffer(3 * n) as Buf<Float64Array>;
  }

  /** Renders the current state. Updates kinematics first (after mj_step, poses lag one step). */
  render(): Frame {
    const { sim, width, height } = this;
    sim.kinematics();
    const m = sim.model;
    const d = sim.data;
    const cid = this.cameraId;
    const pos = d.cam_xpos.slice(3 * cid, 3 * cid + 3) as Float64Array;
    const R = d.cam_xmat.slice(9 * cid, 9 * cid + 9) as Float64Array;
    const n = width * height;
    // world = R · local (R's columns are the camera axes in world coordinates).
    const L = this.local;
    const W = this.world;
    for (let i = 0; i < n; i++) {
      const x = L[3 * i]!, y = L[3 * i + 1]!, z = L[3 * i + 2]!;
      W[3 * i] = R[0]! * x + R[1]! * y + R[2]! * z;
      W[3 * i + 1] = R[3]! * x + R[4]! * y + R[5]! * z;
      W[3 * i + 2] = R[6]! * x + R[7]! * y + R[8]! * z;
    }
    // The binding marshals plain arrays fastest (measured: typed arrays are slower, buffers fail).
    sim.mj.mj_multiRay(m, d, Array.from(pos), W as unknown as number[], this.groups, true, -1,
      this.geomId, this.dist, this.normal, n, this.far);
    const gid = this.geomId.GetView();
    const dist = this.dist.GetView();
    const nrm = this.normal.GetView();
    const geomRgba = m.geom_rgba as Float32Array;
    const geomMat = m.geom_matid as Int32Array;
    const matRgba = m.mat_rgba as Float32Array;
    const rgb = new Uint8Array(3 * n);
    const depth = new Float32Array(n);
    // light_xdir is where the light points; shading needs the direction towards it.
    const xdir = m.nlight > 0 ? d.light_xdir as Float64Array : null;
    const light = xdir ? normalize([-xdir[0]!, -xdir[1]!, -xdir[2]!]) : LIGHT_DIR;
    for (let i = 0; i < n; i++) {
      const g = gid[i]!;
      if (g < 0 || dist[i]! < 0) {
        rgb[3 * i] = Math.round(SKY[0] * 255);
        rgb[3 * i + 1] = Math.round(SKY[1] * 255);
        rgb[3 * i + 2] = Math.round(SKY[2] * 255);
        depth[i] = this.far;
        continue;
      }
      // Ray direction has camera-z component -1, so distance × 1 is depth along the axis.
      depth[i] = dist[i]!;
      const mat = geomMat[g]!;
      const src = mat >= 0 ? matRgba : geomRgba;
      const o = 4 * (mat >= 0 ? mat : g);
      let nx = nrm[3 * i]!, ny = nrm[3 * i + 1]!, nz = nrm[3 * i + 2]!;
      // Light the face that looks at the camera (planes and thin boxes can be hit from behind).
      if (nx * W[3 * i]! + ny * W[3 * i + 1]! + nz * W[3 * i + 2]! > 0) { nx = -nx; ny = -ny; nz = -nz; }
      const lambert = Math.max(0, nx * light[0] + ny * light[1] + nz * light[2]);
      const shade = AMBIENT + DIFFUSE * lambert;
      rgb[3 * i] = Math.min(255, Math.round(src[o]! * shade * 255));
      rgb[3 * i + 1] = Math.min(255, Math.round(src[o + 1]! * shade * 255));
      rgb[3 * i + 2] = Math.min(255, Math.round(src[o + 2]! * shade * 255));
    }
    return { width, height, rgb, depth };
  }

  dispose(): void {
    this.geomId.delete();
    this.dist.delete();
    this.normal.delete();
  }
}

/** The shading the renderer applies to a surface with world normal `n` (exported for tests). */
export function shadeFactor(n: readonly [number, number, number]): number {
  const nn = normalize(n);
  return AMBIENT + DIFFUSE * Math.max(0, nn[0] * LIGHT_DIR[0] + nn[1] * LIGHT_DIR[1] + nn[2] * LIGHT_DIR[2]);
}
