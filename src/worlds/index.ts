/** The world registry: every world by name. */
import { oneOf } from '../errors.ts';
import type { SceneBase, WorldDef } from './world.ts';
import { twoRoom } from './two-room.ts';
import { reach } from './reach.ts';
import { pushT } from './push-t.ts';
import { BUILTIN_ROBOTS } from './robots/robot.ts';
import { MANIPULATION_TASKS, manipulationWorld, type ActionMode, type ManipulationTask } from './manipulation.ts';
import type { RobotDef } from './robots/robot.ts';

/** Manipulation worlds `<robot>/<task>` (end-effector actions) for every built-in robot and task. */
const manipulation = Object.fromEntries(Object.values(BUILTIN_ROBOTS).flatMap((make) => {
  const robot = make();
  return MANIPULATION_TASKS.map((task) => [`${robot.name}/${task}`, manipulationWorld(robot, task) as unknown as WorldDef<SceneBase>]);
}));

export const WORLDS: Record<string, WorldDef<SceneBase>> = {
  'two-room': twoRoom as unknown as WorldDef<SceneBase>,
  reach: reach as unknown as WorldDef<SceneBase>,
  'push-t': pushT as unknown as WorldDef<SceneBase>,
  ...manipulation,
};

export const WORLD_NAMES = Object.keys(WORLDS);

const registered = new Map<string, RobotDef>();
const derived = new Map<string, WorldDef<SceneBase>>();

/** Makes an external robot (see robots/descriptor.ts) usable in world names `<robot name>/<task>`. */
export function registerRobot(robot: RobotDef): void {
  registered.set(robot.name, robot);
}

/** A built-in or registered robot by name. */
export function robotByName(name: string): RobotDef | undefined {
  return registered.get(name) ?? BUILTIN_ROBOTS[name]?.();
}

/** `<robot>/<task>[@joint]` → its parts (the robot part may itself contain '/': a descriptor path). */
export function parseManipulationName(name: string): { robot: string; task: ManipulationTask; mode: ActionMode } | null {
  const m = /^(.+)\/([^/@]+)(@joint)?$/.exec(name);
  if (!m || !(MANIPULATION_TASKS as readonly string[]).includes(m[2]!)) return null;
  return { robot: m[1]!, task: m[2] as ManipulationTask, mode: m[3] ? 'joint' : 'ee' };
}

/**
 * A world by name. Manipulation worlds also come as `<robot>/<task>@joint` (the robot's native
 * joint-position targets instead of end-effector deltas) and with registered external robots.
 */
export function getWorld(name: string): WorldDef<SceneBase> {
  const w = WORLDS[name] ?? derived.get(name);
  if (w) return w;
  const p = parseManipulationName(name);
  const robot = p ? robotByName(p.robot) : undefined;
  if (p && robot) {
    const world = manipulationWorld(robot, p.task, p.mode) as unknown as WorldDef<SceneBase>;
    derived.set(name, world);
    return world;
  }
  throw oneOf('world', name, WORLD_NAMES);
}

export type { WorldDef, SceneBase } from './world.ts';
