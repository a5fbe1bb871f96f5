/** Small helpers shared by CLI commands: argument parsing, output files, progress, JSON. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SingleBar } from 'cli-progress';
import { InputError, oneOf } from '../errors.ts';
import { SPLITS, type Split } from '../env/types.ts';

/** Parses a non-negative whole number option, with a one-line error naming the option. */
export function wholeNumber(option: string, min = 0): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim())) throw new InputError(`${option} must be a whole number ≥ ${min}, got '${v}'`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InputError(`${option} must be a whole number ≥ ${min}, got '${v}'`);
    return n;
  };
}

/** Parses a number ≥ 0 (a loss weight), with a one-line error naming the option. */
export function nonNegativeNumber(option: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InputError(`${option} must be a number ≥ 0, got '${v}'`);
    return n;
  };
}

/** Parses a number > 0 (a learning rate), with a one-line error naming the option. */
export function positiveNumber(option: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`${option} must be a number > 0, got '${v}'`);
    return n;
  };
}

export function splitArg(v: string): Split {
  if (!(SPLITS as readonly string[]).includes(v)) throw oneOf('split', v, SPLITS);
  return v as Split;
}

/**
 * mkdir -p, one level at a time: Node 20's recursive mkdirSync spins forever on some virtual
 * file systems (seen on /proc), and a CLI must fail instead.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

/** Writes a file, creating parent folders; unwritable paths become a one-line InputError. */
export function writeOutput(path: string, data: Uint8Array | string): void {
  try {
    makeDirs(dirname(path));
    writeFileSync(path, data);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(`cannot write '${path}' (${code})`, 'choose a path in a folder you can write to');
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** A progress bar on stderr (silent when stderr is not a terminal). */
export function progress(label: string, total: number): { tick(n?: number): void; stop(): void } {
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {eta_formatted} left`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(total, 0);
  return { tick: (n = 1) => bar.increment(n), stop: () => bar.stop() };
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** `--robot` / `--task` / `--action-mode`: the manipulation-world alternative to `--world`. */
export function addRobotOptions<T extends { option(flags: string, description: string): T }>(cmd: T): T {
  return cmd
    .option('--robot <name|file.json>', 'manipulation robot: arm4 | arm6 | gantry | a robot descriptor JSON (with --task; instead of --world)')
    .option('--task <task>', 'manipulation task (with --robot): pick-place')
    .option('--action-mode <mode>', 'with --robot: ee (end-effector deltas, default) | joint (joint-position targets)');
}

/**
 * The world a command runs on: --world W, or --robot R --task T [--action-mode joint] (R may be a
 * descriptor JSON, which is loaded and checked here). Null when neither was given.
 */
export async function resolveWorldOption(o: { world?: string; robot?: string; task?: string; actionMode?: string }): Promise<string | null> {
  const { ensureWorld, manipulationWorldName } = await import('../node/robot-descriptor.ts');
  if (o.robot || o.task || o.actionMode) {
    if (o.world) throw new InputError('give either --world or --robot/--task, not both');
    if (!o.robot || !o.task) throw new InputError('--robot and --task go together', 'e.g. --robot arm4 --task pick-place');
    if (o.actionMode && o.actionMode !== 'ee' && o.actionMode !== 'joint') throw oneOf('action mode', o.actionMode, ['ee', 'joint']);
    const { MANIPULATION_TASKS } = await import('../worlds/manipulation.ts');
    if (!(MANIPULATION_TASKS as readonly string[]).includes(o.task)) throw oneOf('task', o.task, MANIPULATION_TASKS);
    const name = manipulationWorldName(o.robot, o.task, o.actionMode === 'joint' ? 'joint' : 'ee');
    await ensureWorld(name);
    const { robotByName, parseManipulationName } = await import('../worlds/index.ts');
    if (!robotByName(parseManipulationName(name)!.robot)) throw oneOf('robot', o.robot, ['arm4', 'arm6', 'gantry', 'a robot descriptor .json file']);
    return name;
  }
  if (o.world) await ensureWorld(o.world);
  return o.world ?? null;
}
