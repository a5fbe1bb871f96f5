/**
 * Manipulation worlds = robot × task. World names are `<robot>/<task>` (end-effector actions,
 * shared by every robot) or `<robot>/<task>@joint` (the robot's native joint-position targets).
 * Browser-safe.
 */
import type { Sim } from '../sim/sim.ts';
import type { WorldContext, WorldDef } from './world.ts';
import type { RobotDef } from './robots/robot.ts';
import { ArmController, EE_ACTION_NAMES } from './robots/control.ts';
import { inBin, objectLabel, pickPlaceMjcf, pickPlaceSplitOf, samplePickPlace, type PickPlaceScene } from './tasks/pick-place.ts';

export type ActionMode = 'ee' | 'joint';
export const MANIPULATION_TASKS = ['pick-place'] as const;
export type ManipulationTask = (typeof MANIPULATION_TASKS)[number];

const controllers = new WeakMap<Sim, ArmController>();
const bodies = new WeakMap<Sim, Map<string, number>>();

/** The arm controller of a compiled scene (cached per Sim). */
export function controllerOf(sim: Sim, robot: RobotDef): ArmController {
  let c = controllers.get(sim);
  if (!c) { c = new ArmController(sim, robot); controllers.set(sim, c); }
  return c;
}

/** World position of a body's origin (ids cached per Sim). */
export function bodyPos(sim: Sim, name: string): [number, number, number] {
  let m = bodies.get(sim);
  if (!m) { m = new Map(); bodies.set(sim, m); }
  let id = m.get(name);
  if (id === undefined) { id = sim.id('body', name); m.set(name, id); }
  const p = sim.data.xpos;
  return [p[3 * id]!, p[3 * id + 1]!, p[3 * id + 2]!];
}

/** Gripper opening (m, parallel) or suction command (0/1). */
function gripperState(sim: Sim, robot: RobotDef): number {
  if (robot.gripper.kind === 'parallel') return sim.data.qpos[sim.model.jnt_qposadr[sim.id('joint', robot.gripper.actuators[0]!)]!]!;
  return robot.gripper.kind === 'suction' ? sim.data.ctrl[sim.id('actuator', robot.gripper.actuators[0]!)]! : 0;
}

export function manipulationWorld(robot: RobotDef, task: ManipulationTask, mode: ActionMode = 'ee'): WorldDef<PickPlaceScene> {
  const ctl = (ctx: WorldContext<PickPlaceScene>) => controllerOf(ctx.sim, robot);
  const target = (ctx: WorldContext<PickPlaceScene>) => bodyPos(ctx.sim, ctx.scene.objects[0]!.name);
  const cameras = ['front', ...(robot.wristCamera ? [robot.wristCamera] : [])];
  return {
    name: `${robot.name}/${task}${mode === 'joint' ? '@joint' : ''}`,
    description: `${robot.description}: pick the named object and put it in the bin`,
    robot: robot.name,
    task,
    fps: 10,
    substeps: 50,
    maxSteps: 150,
    actionNames: mode === 'ee' ? [...EE_ACTION_NAMES] : [...robot.armJoints, 'gripper'],
    stateNames: [...robot.armJoints, 'gripper', 'ee_x', 'ee_y', 'ee_z'],
    cameras,
    heldoutDiffers: 'target colour–shape combinations, bin placement, distractor shapes, table colour, instruction phrasing',
    successRule: 'the named object rests inside the bin',
    sampleScene: (split, seed) => samplePickPlace(robot, split, seed),
    splitOf: pickPlaceSplitOf,
    buildMjcf: (scene) => pickPlaceMjcf(robot, scene),
    init(ctx) {
      ctl(ctx).setJoints(robot.home);
    },
    applyAction(ctx, a) {
      if (mode === 'ee') ctl(ctx).applyEeAction(a);
      else ctl(ctx).applyJointAction(a);
    },
    state(ctx) {
      const c = ctl(ctx);
      return [...c.joints(), gripperState(ctx.sim, robot), ...c.ee().pos];
    },
    reward(ctx) {
      // Dense: hand to object while it is out of the bin, object to bin always.
      const o = target(ctx), ee = ctl(ctx).ee().pos;
      const b = ctx.scene.bin.pos;
      const toBin = Math.hypot(o[0] - b[0], o[1] - b[1]);
      return -toBin - (inBin(ctx.scene, o) ? 0 : 0.5 * Math.hypot(ee[0] - o[0], ee[1] - o[1], ee[2] - o[2]));
    },
    success(ctx) {
      return inBin(ctx.scene, target(ctx));
    },
    goal(ctx) {
      // Target resting in the middle of the bin, the arm at home.
      const { sim, scene } = ctx;
      const o = scene.objects[0]!;
      const adr = sim.model.jnt_qposadr[sim.id('joint', o.name)]!;
      const q = sim.data.qpos;
      q[adr] = scene.bin.pos[0]; q[adr + 1] = scene.bin.pos[1]; q[adr + 2] = o.restZ + 0.004;
      ctl(ctx).setJoints(robot.home);
    },
    positions(ctx) {
      const out: Record<string, [number, number]> = {};
      const ee = ctl(ctx).ee().pos;
      out.ee = [ee[0], ee[1]];
      for (const o of ctx.scene.objects) { const p = bodyPos(ctx.sim, o.name); out[objectLabel(o).replace(' ', '_')] = [p[0], p[1]]; }
      return out;
    },
  };
}
