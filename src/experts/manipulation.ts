/**
 * Scripted expert for manipulation worlds: motion primitives through the end-effector controller
 * (above the object → down → grasp → lift → above the bin → down → release). It decides from the
 * current state only (where the object is, whether it is held), never from a remembered phase,
 * so it can take over from any state another policy reached — the corrections RECAP learns from.
 * In joint-action worlds it converts the same motion into joint targets.
 */
import type { Observation } from '../env/types.ts';
import type { WorldEnv } from '../env/world-env.ts';
import type { Policy } from './policy.ts';
import type { TabletopScene, SceneObject } from '../worlds/tasks/tabletop.ts';
import type { Sim } from '../sim/sim.ts';
import { bodyPos, controllerOf, destination, taskDone } from '../worlds/manipulation.ts';
import type { RobotDef } from '../worlds/robots/robot.ts';
import { EE_STEP, gripperTransmission } from '../worlds/robots/control.ts';

const CARRY_Z = 0.16; // hand height for moving across the table (m)
const ABOVE = 0.07; // approach height above the grasp point (m)

export class ManipulationExpert implements Policy {
  readonly name = 'expert';
  constructor(private readonly robot: RobotDef, private readonly mode: 'ee' | 'joint') {}
  reset(): void {}

  act(_obs: Observation, env: WorldEnv): Float64Array {
    const sim = env.sim, scene = env.scene as TabletopScene;
    const ctl = controllerOf(sim, this.robot);
    const ee = ctl.ee().pos;
    const obj = scene.objects[0]!;
    const o = bodyPos(sim, obj.name);
    const suction = this.robot.gripper.kind === 'suction';
    const insert = 'hole' in scene.dest;
    // Grasp point: the object's centre for fingers (a peg: near its top, so the fingers stay above
    // the socket), its top (however it lies) for a suction cup.
    const grasp: [number, number, number] = [o[0], o[1], suction ? o[2] + halfHeight(sim, obj) : o[2] + (insert ? halfHeight(sim, obj) - 0.02 : 0)];
    const closed = this.gripperClosed(env);
    const near = Math.hypot(ee[0] - grasp[0], ee[1] - grasp[1], ee[2] - grasp[2]) < (suction ? 0.02 : 0.025);
    const held = closed && near && o[2] > halfHeight(sim, obj) + 0.01;
    let goal: [number, number, number], grip: number;
    let precise = false;
    if (taskDone(sim, scene) && !held) {
      goal = [ee[0], ee[1], CARRY_Z]; grip = -1; // done: let go and lift away
    } else if (held || (closed && near && this.settled(env))) {
      // Carry: lift straight up, then over the destination, then lower and release.
      const dest = destination(sim, scene);
      // Insert aligns the peg itself over the hole (where it sits in the grasp varies); the rest
      // align the hand.
      const b: [number, number] = insert ? [dest.xy[0] + ee[0] - o[0], dest.xy[1] + ee[1] - o[1]] : dest.xy;
      const tol = insert ? 0.0015 : 'object' in scene.dest ? 0.008 : 0.015;
      const overBin = Math.hypot(ee[0] - b[0], ee[1] - b[1]) < tol;
      // Release height of the grasp point: bins leave a drop over the rim; stacking sets it down;
      // a peg is let go 2 cm into the socket and drops the rest.
      const lift = 'bin' in scene.dest ? scene.bins[scene.dest.bin]!.height + 0.02 : 'hole' in scene.dest ? scene.dest.hole.height - 0.02 : 0.006;
      const dropZ = insert ? lift + (grasp[2] - (o[2] - halfHeight(sim, obj))) : dest.restZ - obj.restZ + lift + (suction ? 2 * halfHeight(sim, obj) : obj.restZ);
      if (overBin && ee[2] < dropZ + (insert ? 0.003 : 0.015)) { goal = [b[0], b[1], dropZ]; grip = -1; }
      else if (overBin || (insert && Math.hypot(ee[0] - b[0], ee[1] - b[1]) < 0.01 && ee[2] < CARRY_Z - 0.02)) {
        // Over the spot: lower (a peg only while it stays aligned; else it holds height and re-aligns).
        goal = [b[0], b[1], insert && !overBin ? ee[2] : dropZ]; grip = 1; precise = insert;
      }
      else if (ee[2] < CARRY_Z - 0.03 && Math.hypot(ee[0] - b[0], ee[1] - b[1]) > 0.05) { goal = [ee[0], ee[1], CARRY_Z]; grip = 1; }
      else { goal = [b[0], b[1], CARRY_Z]; grip = 1; precise = insert && Math.hypot(ee[0] - b[0], ee[1] - b[1]) < 0.02; }
    } else {
      const xy = Math.hypot(ee[0] - grasp[0], ee[1] - grasp[1]);
      if (xy > 0.012) {
        // Open; if low and far, rise first; then move above the object at approach height.
        const approachZ = grasp[2] + ABOVE;
        goal = xy > 0.04 && ee[2] < approachZ - 0.02 ? [ee[0], ee[1], approachZ] : [grasp[0], grasp[1], approachZ];
        grip = -1;
      } else if (ee[2] > grasp[2] + 0.006) {
        goal = [grasp[0], grasp[1], grasp[2] - (suction ? 0.004 : 0)]; grip = -1;
      } else {
        goal = grasp; grip = 1;
      }
    }
    const a = new Float64Array(5);
    // Carry gently: fast moves with an object in hand shake it loose.
    const vmax = precise ? 0.2 : grip > 0 && !near ? 1 : grip > 0 ? (suction || insert ? 0.4 : 0.6) : 1;
    for (let k = 0; k < 3; k++) a[k] = Math.max(-vmax, Math.min(vmax, (goal[k]! - ee[k]!) / EE_STEP));
    a[3] = 0;
    a[4] = grip;
    if (this.mode === 'ee') return a;
    const dq = ctl.ikStep([a[0]! * EE_STEP, a[1]! * EE_STEP, a[2]! * EE_STEP], 0);
    return ctl.jointActionFor(ctl.joints().map((q, k) => q + dq[k]!), grip);
  }

  /** Whether the gripper is commanded closed (or suction on). */
  private gripperClosed(env: WorldEnv): boolean {
    const ctl = controllerOf(env.sim, this.robot);
    const { open, closed } = this.robot.gripper;
    const a = ctl.gripperActuators[0];
    if (a === undefined) return false;
    const c = env.sim.data.ctrl[a]!;
    return Math.abs(c - closed) < Math.abs(c - open);
  }

  /** Fingers stopped moving (they closed on something), or suction (holds at once). */
  private settled(env: WorldEnv): boolean {
    if (this.robot.gripper.kind !== 'parallel') return true;
    return Math.abs(gripperTransmission(env.sim, this.robot).velocity) < 0.005;
  }
}

/** Vertical half-extent of an object's geom in its current orientation (exact for its primitive). */
export function halfHeight(sim: Sim, o: SceneObject): number {
  const g = sim.id('geom', o.name);
  const R = sim.data.geom_xmat;
  const r2 = [R[9 * g + 6]!, R[9 * g + 7]!, R[9 * g + 8]!]; // world z in the geom's axes
  const [a, b, c] = o.size;
  switch (o.shape) {
    case 'box': return Math.abs(r2[0]!) * a! + Math.abs(r2[1]!) * b! + Math.abs(r2[2]!) * c!;
    case 'cylinder': return Math.abs(r2[2]!) * b! + Math.sqrt(Math.max(0, 1 - r2[2]! ** 2)) * a!;
    case 'capsule': return Math.abs(r2[2]!) * b! + a!;
    case 'ball': return a!;
    case 'ellipsoid': return Math.sqrt((r2[0]! * a!) ** 2 + (r2[1]! * b!) ** 2 + (r2[2]! * c!) ** 2);
  }
}
