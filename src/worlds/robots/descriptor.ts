/**
 * Any MJCF robot as a manipulation robot, from a small JSON descriptor:
 *
 *   { "mjcf": "panda.xml",                      // relative to the descriptor; meshes/includes resolved
 *     "armJoints": ["joint1", …],               // each driven by a position-type actuator
 *     "ee": { "site": "grip" }                   // or { "body": "hand", "offset": [0, 0, 0.1] }
 *     "gripper": { "actuators": ["actuator8"], "open": 255, "closed": 0 },   // or null; "kind": "suction"
 *     "wristCamera": { "body": "hand", "pos": [0.05, 0, 0], "xyaxes": [0, -1, 0, -1, 0, 0] },  // optional
 *     "home": [0, 0.3, …] }                      // optional: joint positions at reset
 *
 * The EE site's z axis is the grasp direction (it points down when grasping from above). Sites and
 * cameras given by body are written into that body's element of the MJCF text (whichever file of
 * the robot holds it). Names are checked against the compiled model; unknown ones list the valid
 * ones. Browser-safe (file reading lives in src/node/robot-descriptor.ts).
 */
import { InputError } from '../../errors.ts';
import type { MjcfSource, Sim } from '../../sim/sim.ts';
import type { RobotDef } from './robot.ts';

export interface RobotDescriptor {
  name?: string;
  mjcf: string;
  armJoints: string[];
  ee: { site: string } | { body: string; offset?: number[] };
  gripper?: { actuators: string[]; open: number; closed: number; kind?: 'parallel' | 'suction' } | null;
  wristCamera?: string | { body: string; pos?: number[]; xyaxes?: number[]; fovy?: number } | null;
  home?: number[];
  workspace?: { rMin: number; rMax: number; maxAngle: number };
}

export const EE_SITE = 'umwelt_ee';
// The same name as the built-in robots' wrist camera: datasets from every robot share observation.images.wrist.
export const WRIST_CAMERA = 'wrist';

/** Checks the descriptor's shape; every problem is one line naming the field. */
export function parseDescriptor(raw: unknown, where: string): RobotDescriptor {
  const bad = (msg: string) => new InputError(`robot descriptor ${where}: ${msg}`, 'see docs/manipulation.md for the descriptor format');
  if (!raw || typeof raw !== 'object') throw bad('must be a JSON object');
  const d = raw as Record<string, unknown>;
  if (typeof d.mjcf !== 'string') throw bad('"mjcf" (path to the robot\'s MJCF file) is missing');
  if (!Array.isArray(d.armJoints) || d.armJoints.length === 0 || !d.armJoints.every((j) => typeof j === 'string')) throw bad('"armJoints" must be a non-empty list of joint names');
  const ee = d.ee as Record<string, unknown> | undefined;
  if (!ee || (typeof ee.site !== 'string' && typeof ee.body !== 'string')) throw bad('"ee" must be {"site": name} or {"body": name, "offset": [x, y, z]}');
  const g = d.gripper as Record<string, unknown> | null | undefined;
  if (g && (!Array.isArray(g.actuators) || typeof g.open !== 'number' || typeof g.closed !== 'number')) throw bad('"gripper" must be null or {"actuators": [names], "open": ctrl, "closed": ctrl}');
  if (d.home !== undefined && (!Array.isArray(d.home) || d.home.length !== d.armJoints.length)) throw bad(`"home" must list ${d.armJoints.length} joint positions (one per arm joint)`);
  return d as unknown as RobotDescriptor;
}

function vec(v: number[] | undefined, n: number, fallback: number[]): string {
  return (v && v.length === n ? v : fallback).join(' ');
}

/** Writes `snippet` as the first child of the body named `body`, in whichever file holds it. */
function injectIntoBody(src: MjcfSource, body: string, snippet: string): MjcfSource | null {
  const re = new RegExp(`<body\\b[^>]*\\bname\\s*=\\s*["']${body.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["'][^>]*?(?<!/)>`);
  if (re.test(src.xml)) return { ...src, xml: src.xml.replace(re, (m) => `${m}\n${snippet}`) };
  for (const [path, content] of Object.entries(src.files ?? {})) {
    if (!path.endsWith('.xml')) continue;
    const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
    if (re.test(text)) return { ...src, files: { ...src.files, [path]: text.replace(re, (m) => `${m}\n${snippet}`) } };
  }
  return null;
}

/** The robot's MJCF with the descriptor's EE site and wrist camera written in. */
export function prepareRobotMjcf(d: RobotDescriptor, src: MjcfSource, where: string, bodies: () => string[]): MjcfSource {
  let out = src;
  const put = (body: string, snippet: string, what: string) => {
    const r = injectIntoBody(out, body, snippet);
    if (!r) throw new InputError(`robot descriptor ${where}: ${what} body '${body}' is not in the MJCF`, `bodies: ${bodies().join(', ')}`);
    out = r;
  };
  if ('body' in d.ee) put(d.ee.body, `<site name="${EE_SITE}" pos="${vec(d.ee.offset, 3, [0, 0, 0])}" size="0.005"/>`, 'ee');
  if (d.wristCamera && typeof d.wristCamera === 'object') {
    const c = d.wristCamera;
    put(c.body, `<camera name="${WRIST_CAMERA}" pos="${vec(c.pos, 3, [0, 0, 0])}" xyaxes="${vec(c.xyaxes, 6, [1, 0, 0, 0, 1, 0])}" fovy="${c.fovy ?? 70}"/>`, 'wristCamera');
  }
  return out;
}

/** Names of every object of a type in a compiled model. */
export function namesOf(sim: Sim, type: 'joint' | 'site' | 'actuator' | 'body' | 'camera'): string[] {
  const m = sim.model;
  const count = { joint: m.njnt, site: m.nsite, actuator: m.nu, body: m.nbody, camera: m.ncam }[type];
  const t = sim.mj.mjtObj;
  const code = { joint: t.mjOBJ_JOINT, site: t.mjOBJ_SITE, actuator: t.mjOBJ_ACTUATOR, body: t.mjOBJ_BODY, camera: t.mjOBJ_CAMERA }[type].value;
  const out: string[] = [];
  for (let i = 0; i < count; i++) { const n = sim.mj.mj_id2name(m, code, i); if (n) out.push(n); }
  return out;
}

/**
 * The RobotDef for a descriptor, given its prepared MJCF and the robot compiled on its own (for
 * name checks): unknown joints, sites, actuators and cameras are one-line errors listing the valid names.
 */
export function robotFromDescriptor(d: RobotDescriptor, src: MjcfSource, sim: Sim, where: string): RobotDef {
  const check = (type: 'joint' | 'site' | 'actuator' | 'camera', names: string[], field: string) => {
    const have = namesOf(sim, type);
    const missing = names.filter((n) => !have.includes(n));
    if (missing.length) throw new InputError(`robot descriptor ${where}: ${field} names unknown ${type}${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}`, `${type}s in the model: ${have.join(', ') || '(none)'}`);
  };
  check('joint', d.armJoints, '"armJoints"');
  const eeSite = 'site' in d.ee ? d.ee.site : EE_SITE;
  check('site', [eeSite], '"ee"');
  if (d.gripper) check('actuator', d.gripper.actuators, '"gripper"');
  const wrist = !d.wristCamera ? null : typeof d.wristCamera === 'string' ? d.wristCamera : WRIST_CAMERA;
  if (wrist) check('camera', [wrist], '"wristCamera"');
  // Every arm joint needs an actuator that drives it (a position servo).
  const m = sim.model;
  for (const j of d.armJoints) {
    const id = sim.id('joint', j);
    let found = false;
    for (let a = 0; a < m.nu && !found; a++) found = m.actuator_trnid[2 * a] === id && m.actuator_trntype[a] === 0;
    if (!found) throw new InputError(`robot descriptor ${where}: no actuator drives arm joint '${j}'`, 'each arm joint needs a position actuator (e.g. <position joint="…"/>)');
  }
  const home = d.home ?? d.armJoints.map((j) => {
    const id = sim.id('joint', j);
    return sim.model.qpos0[sim.model.jnt_qposadr[id]!]!;
  });
  return {
    name: d.name ?? where,
    description: `MJCF robot from ${where}`,
    xml: src.xml,
    files: src.files ?? {},
    armJoints: d.armJoints,
    eeSite,
    gripper: d.gripper ? { kind: d.gripper.kind ?? 'parallel', actuators: d.gripper.actuators, open: d.gripper.open, closed: d.gripper.closed } : { kind: 'none', actuators: [], open: 0, closed: 0 },
    wristCamera: wrist,
    home,
    workspace: d.workspace ?? { rMin: 0.3, rMax: 0.55, maxAngle: 0.8 },
    yawWeight: d.armJoints.length >= 6 ? 0.5 : 0,
  };
}
