/**
 * Node side of external robots: reads a robot descriptor JSON and its MJCF (meshes, includes),
 * checks it against the compiled model and registers it, so `<descriptor path>/<task>` names a
 * world everywhere a world name is accepted (CLI, worker threads).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { Sim } from '../sim/sim.ts';
import { readMjcfFile } from './mjcf-files.ts';
import { namesOf, parseDescriptor, prepareRobotMjcf, robotFromDescriptor } from '../worlds/robots/descriptor.ts';
import type { RobotDef } from '../worlds/robots/robot.ts';
import { parseManipulationName, registerRobot, robotByName } from '../worlds/index.ts';

/** Loads and registers the robot of a descriptor file; its name is the descriptor's absolute path. */
export async function loadRobotDescriptor(path: string): Promise<RobotDef> {
  const abs = resolve(path);
  const known = robotByName(abs);
  if (known) return known;
  if (!existsSync(abs)) throw new InputError(`robot descriptor not found: ${path}`, 'pass the path of a robot JSON descriptor (see docs/manipulation.md)');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new InputError(`robot descriptor ${path} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const d = parseDescriptor(raw, path);
  const original = readMjcfFile(resolve(dirname(abs), d.mjcf));
  // Compile the robot as given (for body names), then with the descriptor's site/camera added.
  const plain = await Sim.fromMjcf(original, `robot MJCF ${d.mjcf}`);
  let prepared;
  try {
    prepared = prepareRobotMjcf(d, original, path, () => namesOf(plain, 'body'));
  } finally {
    plain.dispose();
  }
  const sim = await Sim.fromMjcf(prepared, `robot MJCF ${d.mjcf}`);
  try {
    const robot = { ...robotFromDescriptor(d, prepared, sim, path), name: abs, label: d.name ?? basename(abs, '.json') };
    registerRobot(robot);
    return robot;
  } finally {
    sim.dispose();
  }
}

/** Registers the external robot a world name refers to (`<path>.json/<task>`), if any. */
export async function ensureWorld(name: string): Promise<void> {
  const p = parseManipulationName(name);
  if (p && p.robot.endsWith('.json')) await loadRobotDescriptor(p.robot);
}

/** The world name for `--robot R --task T [--action-mode joint]` (R: a built-in name or a descriptor path). */
export function manipulationWorldName(robot: string, task: string, mode: 'ee' | 'joint' = 'ee'): string {
  const r = robot.endsWith('.json') ? resolve(robot) : robot;
  return `${r}/${task}${mode === 'joint' ? '@joint' : ''}`;
}
