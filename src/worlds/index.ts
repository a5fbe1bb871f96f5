/** The world registry: every world by name. */
import { oneOf } from '../errors.ts';
import type { SceneBase, WorldDef } from './world.ts';
import { twoRoom } from './two-room.ts';
import { reach } from './reach.ts';
import { pushT } from './push-t.ts';
import { BUILTIN_ROBOTS } from './robots/robot.ts';
import { MANIPULATION_TASKS, manipulationWorld } from './manipulation.ts';

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

const jointVariants = new Map<string, WorldDef<SceneBase>>();

/**
 * A world by name. Manipulation worlds also come as `<robot>/<task>@joint`: the same scenes driven
 * by the robot's native joint-position targets instead of end-effector deltas.
 */
export function getWorld(name: string): WorldDef<SceneBase> {
  const w = WORLDS[name];
  if (w) return w;
  const m = /^(.+)\/(.+)@joint$/.exec(name);
  const make = m ? BUILTIN_ROBOTS[m[1]!] : undefined;
  if (m && make && (MANIPULATION_TASKS as readonly string[]).includes(m[2]!)) {
    if (!jointVariants.has(name)) jointVariants.set(name, manipulationWorld(make(), m[2] as (typeof MANIPULATION_TASKS)[number], 'joint') as unknown as WorldDef<SceneBase>);
    return jointVariants.get(name)!;
  }
  throw oneOf('world', name, WORLD_NAMES);
}

export type { WorldDef, SceneBase } from './world.ts';
