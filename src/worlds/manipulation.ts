/**
 * Manipulation worlds = robot × task. World names are `<robot>/<task>` (end-effector actions,
 * shared by every robot) or `<robot>/<task>@joint` (the robot's native joint-position targets).
 * Browser-safe.
 */
import type { Sim } from '../sim/sim.ts';
import type { WorldContext, WorldDef } from './world.ts';
import type { RobotDef } from './robots/robot.ts';
import { ArmController, EE_ACTION_NAMES, gripperTransmission } from './robots/control.ts';
import { inBin, objectLabel, onTop, sampleTabletop, tabletopMjcf, tabletopSplitOf, TABLETOP_TASKS, type TabletopScene } from './tasks/tabletop.ts';

export type ActionMode = 'ee' | 'joint';
export const MANIPULATION_TASKS = TABLETOP_TASKS;
export type ManipulationTask = (typeof TABLETOP_TASKS)[number];

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
  if (robot.gripper.kind === 'parallel') return gripperTransmission(sim, robot).length;
  return robot.gripper.kind === 'suction' ? sim.data.ctrl[sim.id('actuator', robot.gripper.actuators[0]!)]! : 0;
}

/**
 * Where the target must end up: its centre's xy, and the height its centre rests at there (bin
 * floor or the top of the block to stack on).
 */
export function destination(sim: Sim, s: TabletopScene): { xy: [number, number]; restZ: number } {
  const t = s.objects[0]!;
  if ('bin' in s.dest) { const b = s.bins[s.dest.bin]!; return { xy: b.pos, restZ: 0.004 + t.restZ }; }
  if ('hole' in s.dest) return { xy: s.dest.hole.pos, restZ: t.restZ };
  const base = s.objects[s.dest.object]!;
  const p = bodyPos(sim, base.name);
  return { xy: [p[0], p[1]], restZ: p[2] + base.size[2]! + t.restZ };
}

/** Whether the scene's instruction is satisfied (the target in the named bin / on the named block). */
export function taskDone(sim: Sim, s: TabletopScene): boolean {
  const t = s.objects[0]!;
  const p = bodyPos(sim, t.name);
  if ('bin' in s.dest) return inBin(s.bins[s.dest.bin]!, p);
  if ('hole' in s.dest) {
    // Inside the socket's walls and at least 2.5 cm deep (its walls are 4 cm tall).
    const h = s.dest.hole;
    return Math.abs(p[0] - h.pos[0]) < h.half && Math.abs(p[1] - h.pos[1]) < h.half && p[2] - t.restZ < h.height - 0.025;
  }
  const base = s.objects[s.dest.object]!;
  return onTop(p, t.restZ, bodyPos(sim, base.name), base.size);
}

const DESCRIPTIONS: Record<ManipulationTask, [string, string]> = {
  'pick-place': ['pick the named object and put it in the bin', 'the named object rests inside the bin'],
  sort: ['put the named object in the named one of two or three bins', 'the named object rests inside the named bin (any other bin fails)'],
  stack: ['put the named block on the other named block', 'the named block rests on top of the other (within its footprint)'],
  insert: ['insert the peg into the socket (1–2 mm clearance)', 'the peg is inside the socket, at least 2.5 cm deep'],
};

export function manipulationWorld(robot: RobotDef, task: ManipulationTask, mode: ActionMode = 'ee'): WorldDef<TabletopScene> {
  const ctl = (ctx: WorldContext<TabletopScene>) => controllerOf(ctx.sim, robot);
  const target = (ctx: WorldContext<TabletopScene>) => bodyPos(ctx.sim, ctx.scene.objects[0]!.name);
  const cameras = ['front', ...(robot.wristCamera ? [robot.wristCamera] : [])];
  return {
    name: `${robot.name}/${task}${mode === 'joint' ? '@joint' : ''}`,
    description: `${robot.description}: ${DESCRIPTIONS[task][0]}`,
    robot: robot.name,
    task,
    fps: 10,
    substeps: 50,
    maxSteps: task === 'insert' ? 200 : 150, // the precision task moves slowly at the end
    actionNames: mode === 'ee' ? [...EE_ACTION_NAMES] : [...robot.armJoints, 'gripper'],
    stateNames: [...robot.armJoints, 'gripper', 'ee_x', 'ee_y', 'ee_z'],
    cameras,
    heldoutDiffers: 'target colour–shape combinations, bin placement, distractor shapes, table colour, instruction phrasing',
    successRule: DESCRIPTIONS[task][1],
    sampleScene: (split, seed) => sampleTabletop(task, robot, split, seed),
    splitOf: tabletopSplitOf,
    buildMjcf: (scene) => tabletopMjcf(robot, scene),
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
      // Dense: object to its destination always, hand to object until the task is done.
      const o = target(ctx), ee = ctl(ctx).ee().pos;
      const d = destination(ctx.sim, ctx.scene);
      const toDest = Math.hypot(o[0] - d.xy[0], o[1] - d.xy[1], o[2] - d.restZ);
      return -toDest - (taskDone(ctx.sim, ctx.scene) ? 0 : 0.5 * Math.hypot(ee[0] - o[0], ee[1] - o[1], ee[2] - o[2]));
    },
    success(ctx) {
      return taskDone(ctx.sim, ctx.scene);
    },
    goal(ctx) {
      // Target resting at its destination, the arm at home.
      const { sim, scene } = ctx;
      const o = scene.objects[0]!;
      const d = destination(sim, scene);
      const adr = sim.model.jnt_qposadr[sim.id('joint', o.name)]!;
      const q = sim.data.qpos;
      q[adr] = d.xy[0]; q[adr + 1] = d.xy[1]; q[adr + 2] = d.restZ + 0.002;
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
