/**
 * Arm control on a compiled scene: joint-position mode (each action dim → a joint target across
 * the actuator's range) and the shared end-effector mode (Cartesian delta + yaw delta + gripper)
 * through damped-least-squares differential IK on mj_jacSite. The EE mode is what lets one policy
 * drive every robot: the same 5 numbers mean the same motion of the hand on any arm.
 * Browser-safe.
 */
import type { Sim } from '../../sim/sim.ts';
import type { RobotDef } from './robot.ts';

/** End-effector action scale per control step. */
export const EE_STEP = 0.03; // m per step at |a| = 1
export const EE_YAW_STEP = 0.25; // rad per step at |a| = 1
export const EE_ACTION_NAMES = ['ee_dx', 'ee_dy', 'ee_dz', 'ee_dyaw', 'gripper'];

/**
 * The first gripper actuator's transmission length and its rate: a finger joint's position for a
 * joint-driven gripper, the tendon's length for a tendon-driven one (MuJoCo Menagerie's Panda
 * drives both fingers through a "split" tendon). NaN-free 0 for robots without a gripper.
 */
export function gripperTransmission(sim: Sim, robot: RobotDef): { length: number; velocity: number } {
  const name = robot.gripper.actuators[0];
  if (name === undefined) return { length: 0, velocity: 0 };
  const a = sim.id('actuator', name);
  return { length: sim.data.actuator_length[a]!, velocity: sim.data.actuator_velocity[a]! };
}

interface Buf { GetView(): Float64Array; delete(): void }

/** Resolved ids and buffers for one robot inside one compiled scene. */
export class ArmController {
  readonly qpos: number[];
  readonly dof: number[];
  readonly actuators: number[];
  readonly ranges: [number, number][];
  readonly gripperActuators: number[];
  readonly site: number;

  constructor(readonly sim: Sim, readonly robot: RobotDef) {
    const m = sim.model;
    const jointIds = robot.armJoints.map((j) => sim.id('joint', j));
    this.qpos = jointIds.map((j) => m.jnt_qposadr[j]!);
    this.dof = jointIds.map((j) => m.jnt_dofadr[j]!);
    // The position actuator on each arm joint (trntype joint, trnid[0] = joint id).
    this.actuators = jointIds.map((j, k) => {
      for (let a = 0; a < m.nu; a++) if (m.actuator_trnid[2 * a] === j && m.actuator_trntype[a] === 0) return a;
      throw new Error(`robot ${robot.name}: no actuator drives joint '${robot.armJoints[k]}'`);
    });
    this.ranges = this.actuators.map((a, k) => {
      const lo = m.actuator_ctrlrange[2 * a]!, hi = m.actuator_ctrlrange[2 * a + 1]!;
      // (actuator_ctrllimited is unreadable in the WASM binding: a set range implies limits.)
      if (hi > lo) return [lo, hi];
      const j = jointIds[k]!;
      return [m.jnt_range[2 * j]!, m.jnt_range[2 * j + 1]!];
    });
    this.gripperActuators = robot.gripper.actuators.map((a) => sim.id('actuator', a));
    this.site = sim.id('site', robot.eeSite);
  }

  /** Joint positions of the arm. */
  joints(): number[] {
    const q = this.sim.data.qpos;
    return this.qpos.map((i) => q[i]!);
  }

  /** End-effector position (world) and the site's z axis (the grasp direction). */
  ee(): { pos: [number, number, number]; axis: [number, number, number]; yaw: number } {
    const d = this.sim.data;
    const p = d.site_xpos, r = d.site_xmat, s = this.site;
    // xmat is row-major 3×3: column k is the site's k-th axis in world coordinates.
    const x: [number, number, number] = [r[9 * s]!, r[9 * s + 3]!, r[9 * s + 6]!];
    return {
      pos: [p[3 * s]!, p[3 * s + 1]!, p[3 * s + 2]!],
      axis: [r[9 * s + 2]!, r[9 * s + 5]!, r[9 * s + 8]!],
      yaw: Math.atan2(x[1], x[0]),
    };
  }

  /** Puts the arm at joint positions q with matching targets and the gripper open. */
  setJoints(q: number[]): void {
    const d = this.sim.data;
    q.forEach((v, k) => { d.qpos[this.qpos[k]!] = v; d.ctrl[this.actuators[k]!] = v; });
    this.setGripper(-1);
  }

  /** Gripper command g ∈ [-1, 1]: −1 open / suction off, +1 closed / suction on (linear between). */
  setGripper(g: number): void {
    const { open, closed } = this.robot.gripper;
    const t = (Math.max(-1, Math.min(1, g)) + 1) / 2;
    for (const a of this.gripperActuators) this.sim.data.ctrl[a] = open + t * (closed - open);
  }

  /** Joint mode: a[k] ∈ [-1, 1] → target across joint k's range; the last dim is the gripper. */
  applyJointAction(a: ArrayLike<number>): void {
    const d = this.sim.data;
    this.actuators.forEach((act, k) => {
      const [lo, hi] = this.ranges[k]!;
      d.ctrl[act] = lo + ((a[k]! + 1) / 2) * (hi - lo);
    });
    this.setGripper(a[this.actuators.length]!);
  }

  /** Joint-mode action that holds the current joint positions (and a gripper command). */
  jointActionFor(q: number[], gripper: number): Float64Array {
    const out = new Float64Array(q.length + 1);
    q.forEach((v, k) => { const [lo, hi] = this.ranges[k]!; out[k] = Math.max(-1, Math.min(1, (2 * (v - lo)) / (hi - lo) - 1)); });
    out[q.length] = gripper;
    return out;
  }

  /**
   * EE mode: a = [dx, dy, dz, dyaw, gripper] ∈ [-1, 1]. Solves J Δq = e by damped least squares
   * for e = (Cartesian step, tilt that keeps the grasp axis pointing down, yaw step), each row
   * weighted; joint targets = current joints + Δq, clipped to range.
   */
  applyEeAction(a: ArrayLike<number>): void {
    const dq = this.ikStep([a[0]! * EE_STEP, a[1]! * EE_STEP, a[2]! * EE_STEP], a[3]! * EE_YAW_STEP);
    const q = this.joints();
    const d = this.sim.data;
    this.actuators.forEach((act, k) => {
      const [lo, hi] = this.ranges[k]!;
      d.ctrl[act] = Math.max(lo, Math.min(hi, q[k]! + dq[k]!));
    });
    this.setGripper(a[4]!);
  }

  /** Δq for a Cartesian step dp (m) and a yaw step (rad) at the current configuration. */
  ikStep(dp: [number, number, number], dyaw: number): number[] {
    const m = this.sim.model, d = this.sim.data, nv = m.nv;
    // Buffers live on the WASM heap: allocated per call, so a controller owns nothing to free.
    const mj = this.sim.mj as unknown as { DoubleBuffer: new (n: number) => Buf };
    const jacp = new mj.DoubleBuffer(3 * nv), jacr = new mj.DoubleBuffer(3 * nv);
    this.sim.mj.mj_jacSite(m, d, jacp as never, jacr as never, this.site);
    const Jp = Float64Array.from(jacp.GetView()), Jr = Float64Array.from(jacr.GetView());
    jacp.delete();
    jacr.delete();
    const n = this.dof.length;
    const { axis } = this.ee();
    // Tilt error: rotation that turns the grasp axis toward −z (axis × (−z)).
    const tilt = [-axis[1], axis[0], 0];
    const wTilt = 0.6, wYaw = this.robot.yawWeight;
    const rows: number[][] = [], err: number[] = [];
    for (let r = 0; r < 3; r++) { rows.push(this.dof.map((c) => Jp[r * nv + c]!)); err.push(dp[r]!); }
    for (let r = 0; r < 2; r++) { rows.push(this.dof.map((c) => wTilt * Jr[r * nv + c]!)); err.push(wTilt * tilt[r]!); }
    if (wYaw > 0) { rows.push(this.dof.map((c) => wYaw * Jr[2 * nv + c]!)); err.push(wYaw * dyaw); }
    // Δq = Jᵀ (J Jᵀ + λ² I)⁻¹ e
    const k = rows.length, lambda2 = 0.0025;
    const A = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => rows[i]!.reduce((s, v, c) => s + v * rows[j]![c]!, 0) + (i === j ? lambda2 : 0)));
    const y = solve(A, err);
    return Array.from({ length: n }, (_, c) => rows.reduce((s, row, i) => s + row[c]! * y[i]!, 0));
  }
}

/** Solves A x = b (small, symmetric positive definite) by Gaussian elimination with pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}
