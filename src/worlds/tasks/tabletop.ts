/**
 * Tabletop tasks, one scene generator for all of them:
 *  - pick-place: pick the named object and put it in the bin;
 *  - sort: two or three bins (left / middle / right as the robot faces); the instruction names the
 *    object and the bin ("put the red cylinder in the left bin"); only that bin counts;
 *  - stack: put the named block on the other named block.
 * Seeded procedural scenes: table colour, object shapes/sizes/colours/masses/friction, positions,
 * bin placement, distractors, camera jitter, instruction phrasing. Held-out scenes use colour–shape
 * combinations, bin placements, distractor shapes and instruction phrasings that training scenes
 * never use. Browser-safe.
 */
import { Rng } from '../../rng.ts';
import type { Split } from '../../env/types.ts';
import { BandedRange, hsv, rgba, type SceneBase } from '../world.ts';
import type { RobotDef } from '../robots/robot.ts';

export type Shape = 'box' | 'cylinder' | 'ball' | 'capsule' | 'ellipsoid';

export const COLOURS: { name: string; hue: number; sat: number; val: number }[] = [
  { name: 'red', hue: 0.0, sat: 0.8, val: 0.85 },
  { name: 'orange', hue: 0.07, sat: 0.85, val: 0.95 },
  { name: 'yellow', hue: 0.15, sat: 0.8, val: 0.95 },
  { name: 'green', hue: 0.33, sat: 0.7, val: 0.7 },
  { name: 'cyan', hue: 0.5, sat: 0.7, val: 0.85 },
  { name: 'blue', hue: 0.62, sat: 0.75, val: 0.85 },
  { name: 'purple', hue: 0.78, sat: 0.6, val: 0.75 },
  { name: 'pink', hue: 0.92, sat: 0.45, val: 0.95 },
];
/** Shapes a target can have (graspable from above by a parallel gripper and a suction cup). */
export const TARGET_SHAPES: Shape[] = ['box', 'cylinder', 'ball'];
/** Distractor shapes only held-out scenes use. */
export const HELDOUT_DISTRACTOR_SHAPES: Shape[] = ['capsule', 'ellipsoid'];

/** Colour–shape combinations held out: every 4th combination, so each colour and shape is seen in training. */
export function comboSplit(colour: number, shape: number): Split {
  return (colour * TARGET_SHAPES.length + shape) % 4 === 1 ? 'heldout' : 'train';
}

export type TabletopTask = 'pick-place' | 'sort' | 'stack' | 'insert';
export const TABLETOP_TASKS: TabletopTask[] = ['pick-place', 'sort', 'stack', 'insert'];

// {o}: the target object, {b}: the destination bin's side, {d}: the block to stack on.
const TEMPLATES: Record<TabletopTask, Record<Split, string[]>> = {
  'pick-place': {
    train: ['put the {o} in the bin', 'pick up the {o} and place it in the bin', 'move the {o} into the bin'],
    heldout: ['drop the {o} into the container', 'the {o} belongs in the bin: put it there'],
  },
  sort: {
    train: ['put the {o} in the {b} bin', 'move the {o} into the {b} bin', 'sort the {o} into the {b} bin'],
    heldout: ['the {o} goes in the bin on the {b}', 'drop the {o} into the {b} container'],
  },
  stack: {
    train: ['put the {o} on the {d}', 'stack the {o} on top of the {d}', 'place the {o} onto the {d}'],
    heldout: ['set the {o} down on the {d}', 'the {o} belongs on top of the {d}'],
  },
  insert: {
    train: ['insert the {o} into the hole', 'put the {o} in the hole', 'push the {o} into the socket'],
    heldout: ['fit the {o} into the opening', 'the {o} goes into the hole: insert it'],
  },
};

const BIN_ANGLE = new BandedRange(-1, 1, 8, 3); // fraction of the workspace half-angle
const TABLE_HUE = new BandedRange(0, 1, 10, 3);

export interface SceneObject {
  name: string;
  shape: Shape;
  colour: number;
  /** Half extents (box), radius + half height (cylinder, capsule), radius (ball), semi-axes (ellipsoid). */
  size: number[];
  /** Centre height when resting on the table. */
  restZ: number;
  pos: [number, number];
  yaw: number;
  mass: number;
  friction: number;
}

export interface Bin { pos: [number, number]; half: number; height: number; side: 'left' | 'middle' | 'right' }

/** insert: a square socket (4 walls) around a round peg; `half` = peg radius + clearance (≤ 2 mm). */
export interface Hole { pos: [number, number]; half: number; height: number; clearance: number }

const CLEARANCE = new BandedRange(0.001, 0.002, 5, 3);
/** Light azimuth (rad): held-out scenes are lit from directions training never uses. */
const LIGHT_AZIMUTH = new BandedRange(-Math.PI, Math.PI, 12, 3);

export interface TabletopScene extends SceneBase {
  kind: TabletopTask;
  tableHue: number;
  binAngle: number;
  bins: Bin[];
  /** objects[0] is the target; for stack objects[1] is the block to stack on. */
  objects: SceneObject[];
  /** Where the target must go: a bin index, (stack) the object to put it on, or (insert) the hole. */
  dest: { bin: number } | { object: number } | { hole: Hole };
  template: number;
  cameraJitter: [number, number, number];
  /** Directional light: azimuth (banded by split) and elevation above the table (rad). */
  light: { azimuth: number; elevation: number };
}

function colourName(c: number): string {
  return COLOURS[c]!.name;
}

export function objectLabel(o: Pick<SceneObject, 'colour' | 'shape'>): string {
  return `${colourName(o.colour)} ${o.shape}`;
}

function makeObject(rng: Rng, shape: Shape, colour: number, idx: number): Omit<SceneObject, 'pos' | 'yaw'> {
  const s = rng.uniform(0.016, 0.022);
  let size: number[], restZ: number;
  switch (shape) {
    case 'box': size = [s, s * rng.uniform(0.8, 1.0), s * rng.uniform(0.9, 1.3)]; restZ = size[2]!; break;
    case 'cylinder': size = [s, s * rng.uniform(1.0, 1.5)]; restZ = size[1]!; break;
    case 'ball': size = [s * 1.05]; restZ = size[0]!; break;
    case 'capsule': size = [s * 0.7, s * 0.8]; restZ = size[0]!; break;
    case 'ellipsoid': size = [s * 1.3, s, s * 0.8]; restZ = size[2]!; break;
  }
  return { name: `obj${idx}`, shape, colour, size, restZ, mass: rng.uniform(0.04, 0.15), friction: rng.uniform(0.8, 1.4) };
}

/** A round peg: 2.4–2.8 cm across, 6 cm tall. */
function makePeg(rng: Rng, colour: number): Omit<SceneObject, 'pos' | 'yaw'> {
  const r = rng.uniform(0.012, 0.014);
  return { name: 'obj0', shape: 'cylinder', colour, size: [r, 0.03], restZ: 0.03, mass: rng.uniform(0.04, 0.08), friction: rng.uniform(0.8, 1.2) };
}

function makeBase(rng: Rng, colour: number, idx: number): Omit<SceneObject, 'pos' | 'yaw'> {
  const h = rng.uniform(0.024, 0.03);
  return { name: `obj${idx}`, shape: 'box', colour, size: [h, h, rng.uniform(0.018, 0.024)], restZ: 0, mass: rng.uniform(0.3, 0.5), friction: rng.uniform(0.9, 1.3) };
}

/** Bins for a task: one (pick-place), or two or three side by side in angle (sort; left is +y). */
function makeBins(kind: TabletopTask, rng: Rng, ws: RobotDef['workspace'], binAngle: number): Bin[] {
  if (kind === 'stack' || kind === 'insert') return [];
  const r = (ws.rMin + ws.rMax) / 2;
  const n = kind === 'pick-place' ? 1 : 2 + rng.int(2);
  // Three bins share the arc with the objects: smaller bins leave the objects room.
  const at = (a: number, side: Bin['side']): Bin => ({ pos: [r * Math.cos(a), r * Math.sin(a)], half: n === 3 ? rng.uniform(0.04, 0.045) : rng.uniform(0.05, 0.058), height: 0.04, side });
  if (n === 1) return [at(binAngle * ws.maxAngle, 'middle')];
  const spread = 0.78 * ws.maxAngle, shift = 0.12 * binAngle * ws.maxAngle;
  return n === 2 ? [at(shift + spread, 'left'), at(shift - spread, 'right')] : [at(shift + spread, 'left'), at(shift, 'middle'), at(shift - spread, 'right')];
}

export function sampleTabletop(kind: TabletopTask, robot: RobotDef, split: Split, seed: number): TabletopScene {
  const rng = new Rng(seed, `${kind}/${robot.label ?? robot.name}/${split}`);
  const ws = robot.workspace;
  const tableHue = TABLE_HUE.sample(rng, split);
  const binAngle = BIN_ANGLE.sample(rng, split);
  const bins = makeBins(kind, rng, ws, binAngle);
  // Target: a colour–shape combination of this split (stack: boxes and cylinders only).
  const shapesFor = kind === 'stack' ? [0, 1] : kind === 'insert' ? [1] : [0, 1, 2];
  const combos: [number, number][] = [];
  COLOURS.forEach((_, c) => shapesFor.forEach((s) => { if (comboSplit(c, s) === split) combos.push([c, s]); }));
  const [tc, ts] = combos[rng.int(combos.length)]!;
  const specs: Omit<SceneObject, 'pos' | 'yaw'>[] = [kind === 'insert' ? makePeg(rng, tc) : makeObject(rng, TARGET_SHAPES[ts]!, tc, 0)];
  const used = new Set([tc]);
  if (kind === 'stack') {
    let c = rng.int(COLOURS.length);
    while (used.has(c)) c = rng.int(COLOURS.length);
    used.add(c);
    const base = makeBase(rng, c, 1);
    specs.push({ ...base, restZ: base.size[2]! });
  }
  // Distractors: colours no other object has (the instruction stays unambiguous); training
  // scenes only ever show training colour–shape combinations.
  const nDistract = 1 + rng.int(kind === 'sort' ? 2 : 3);
  for (let i = 0; i < nDistract; i++) {
    const idx = specs.length;
    if (split === 'heldout' && i === 0) {
      let c = rng.int(COLOURS.length);
      while (used.has(c)) c = rng.int(COLOURS.length);
      used.add(c);
      specs.push(makeObject(rng, HELDOUT_DISTRACTOR_SHAPES[rng.int(HELDOUT_DISTRACTOR_SHAPES.length)]!, c, idx));
      continue;
    }
    let c = 0, sh = 0;
    do { c = rng.int(COLOURS.length); sh = rng.int(TARGET_SHAPES.length); } while (used.has(c) || (split === 'train' && comboSplit(c, sh) !== 'train'));
    used.add(c);
    specs.push(makeObject(rng, TARGET_SHAPES[sh]!, c, idx));
  }
  // Positions: in the workspace annulus, 8 cm clear of bin walls and 11 cm apart (an open gripper's
  // pads reach 6 cm from its centre). Where a crowded layout (sort: three bins) has no room, extra
  // distractors are left out; the target, the block to stack on and the first distractor (held-out
  // scenes' unseen shape) are placed with relaxed spacing instead.
  const objects: SceneObject[] = [];
  const essential = kind === 'stack' ? 3 : 2;
  const place = (binMargin: number, spacing: number): [number, number] | null => {
    for (let tries = 0; tries < 300; tries++) {
      const r = rng.uniform(ws.rMin, ws.rMax), a = rng.uniform(-ws.maxAngle, ws.maxAngle);
      const pos: [number, number] = [r * Math.cos(a), r * Math.sin(a)];
      const clearBins = bins.every((bin) => Math.max(Math.abs(pos[0] - bin.pos[0]), Math.abs(pos[1] - bin.pos[1])) > bin.half + binMargin);
      if (clearBins && objects.every((o) => Math.hypot(o.pos[0] - pos[0], o.pos[1] - pos[1]) > spacing)) return pos;
    }
    return null;
  };
  specs.forEach((spec, i) => {
    const pos = place(0.08, 0.11) ?? (i < essential ? place(0.05, 0.085) ?? place(0.03, 0.07) : null);
    if (pos) objects.push({ ...spec, pos, yaw: rng.uniform(-Math.PI, Math.PI) });
    else if (i < essential) throw new Error(`${kind} scene ${split}/${seed}: no room for object ${i}`);
  });
  let dest: TabletopScene['dest'];
  if (kind === 'stack') dest = { object: 1 };
  else if (kind === 'insert') {
    // The socket goes where the first free spot is, like an object (it is placed last).
    const pos = place(0.08, 0.13) ?? place(0.05, 0.1) ?? [ws.rMax * Math.cos(ws.maxAngle), ws.rMax * Math.sin(ws.maxAngle)];
    const clearance = CLEARANCE.sample(rng, split);
    dest = { hole: { pos, half: objects[0]!.size[0]! + clearance, height: 0.04, clearance } };
  } else dest = { bin: rng.int(bins.length) };
  const template = rng.int(TEMPLATES[kind][split].length);
  const cameraJitter: [number, number, number] = [rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01)];
  const light = { azimuth: LIGHT_AZIMUTH.sample(rng, split), elevation: rng.uniform(0.75, 1.3) };
  const scene = { kind, split, seed, tableHue, binAngle, bins, objects, dest, template, cameraJitter, light, task: '' };
  return { ...scene, task: instruction(scene, split) };
}

function instruction(s: Omit<TabletopScene, 'task' | 'split' | 'seed'>, split: Split): string {
  const d = s.dest;
  return TEMPLATES[s.kind][split][s.template]!
    .replace('{o}', objectLabel(s.objects[0]!))
    .replace('{b}', 'bin' in d ? s.bins[d.bin]!.side : '')
    .replace('{d}', 'object' in d ? objectLabel(s.objects[d.object]!) : '')
    .replace(/cylinder/g, s.kind === 'insert' ? 'peg' : 'cylinder');
}

export function tabletopSplitOf(s: TabletopScene): Split | null {
  const t = s.objects[0]!;
  const parts: Split[] = [TABLE_HUE.splitOf(s.tableHue), BIN_ANGLE.splitOf(s.binAngle), comboSplit(t.colour, TARGET_SHAPES.indexOf(t.shape))];
  if ('hole' in s.dest) parts.push(CLEARANCE.splitOf(s.dest.hole.clearance));
  parts.push(LIGHT_AZIMUTH.splitOf(s.light.azimuth));
  const unseenDistractor = s.objects.slice(1).some((o) => HELDOUT_DISTRACTOR_SHAPES.includes(o.shape));
  parts.push(unseenDistractor ? 'heldout' : 'train');
  parts.push(TEMPLATES[s.kind].heldout.some((_, i) => s.task === instruction({ ...s, template: i }, 'heldout')) ? 'heldout' : 'train');
  return parts.every((p) => p === 'train') ? 'train' : parts.every((p) => p === 'heldout') ? 'heldout' : null;
}

function objectGeom(o: SceneObject): string {
  const c = COLOURS[o.colour]!;
  const col = rgba(hsv(c.hue, c.sat, c.val));
  const common = `rgba="${col}" mass="${o.mass.toFixed(4)}" friction="${o.friction.toFixed(3)} 0.02 0.002" condim="6" solref="0.01 1"`; // rolling friction: balls come to rest
  switch (o.shape) {
    case 'box': return `<geom name="${o.name}" type="box" size="${o.size.join(' ')}" ${common}/>`;
    case 'cylinder': return `<geom name="${o.name}" type="cylinder" size="${o.size.join(' ')}" ${common}/>`;
    case 'ball': return `<geom name="${o.name}" type="sphere" size="${o.size[0]}" ${common}/>`;
    // Lying on its side.
    case 'capsule': return `<geom name="${o.name}" type="capsule" size="${o.size.join(' ')}" euler="1.5708 0 0" ${common}/>`;
    case 'ellipsoid': return `<geom name="${o.name}" type="ellipsoid" size="${o.size.join(' ')}" ${common}/>`;
  }
}

function binMjcf(bin: Bin, i: number): string {
  const { pos: [bx, by], half, height } = bin;
  const t = 0.004;
  const wall = (name: string, x: number, y: number, hx: number, hy: number) =>
    `<geom name="bin${i}_${name}" type="box" pos="${x} ${y} ${height / 2}" size="${hx} ${hy} ${height / 2}" rgba="0.35 0.36 0.4 1"/>`;
  return `<body name="bin${i}" pos="${bx} ${by} 0">
      <geom name="bin${i}_floor" type="box" pos="0 0 0.002" size="${half} ${half} 0.002" rgba="0.45 0.46 0.5 1"/>
      ${wall('n', 0, half + t, half + t, t)}
      ${wall('s', 0, -half - t, half + t, t)}
      ${wall('e', half + t, 0, t, half)}
      ${wall('w', -half - t, 0, t, half)}
    </body>`;
}

/** MJCF `dir` of the scene's light: pointing down onto the table from its azimuth and elevation. */
function lightDir(l: TabletopScene['light']): string {
  const c = Math.cos(l.elevation);
  return [-c * Math.cos(l.azimuth), -c * Math.sin(l.azimuth), -Math.sin(l.elevation)].map((v) => v.toFixed(4)).join(' ');
}

function socketMjcf(h: Hole): string {
  const w = 0.012, z = h.height / 2;
  const box = (name: string, x: number, y: number, hx: number, hy: number) =>
    `<geom name="socket_${name}" type="box" pos="${x.toFixed(5)} ${y.toFixed(5)} ${z}" size="${hx.toFixed(5)} ${hy.toFixed(5)} ${z}" rgba="0.5 0.42 0.3 1"/>`;
  return `
    <body name="socket" pos="${h.pos[0].toFixed(5)} ${h.pos[1].toFixed(5)} 0">
      ${box('n', 0, h.half + w, h.half + 2 * w, w)}
      ${box('s', 0, -h.half - w, h.half + 2 * w, w)}
      ${box('e', h.half + w, 0, w, h.half)}
      ${box('w', -h.half - w, 0, w, h.half)}
    </body>`;
}

/** The scene file: includes the robot, adds the table, bins, objects, a light and the front camera. */
export function tabletopMjcf(robot: RobotDef, s: TabletopScene): { xml: string; files: Record<string, Uint8Array | string> } {
  const table = hsv(s.tableHue, 0.25, 0.55);
  const [jx, jy, jz] = s.cameraJitter;
  const xml = `<mujoco model="${robot.label ?? robot.name}-${s.kind}">
  <include file="robot.xml"/>
  <size memory="8M"/>
  <option timestep="0.002" integrator="implicitfast" cone="elliptic" impratio="10"/>
  <worldbody>
    <light name="key" pos="0 0 1.2" dir="${lightDir(s.light)}" directional="true"/>
    <camera name="front" pos="${(1.05 + jx).toFixed(4)} ${jy.toFixed(4)} ${(0.62 + jz).toFixed(4)}" xyaxes="0 1 0 -0.5 0 0.866" fovy="50"/>
    <geom name="table" type="plane" size="1 1 0.05" rgba="${rgba(table)}" friction="1 0.02 0.001"/>
    ${s.bins.map(binMjcf).join('\n    ')}${'hole' in s.dest ? socketMjcf(s.dest.hole) : ''}
    ${s.objects.map((o) => `<body name="${o.name}" pos="${o.pos[0].toFixed(4)} ${o.pos[1].toFixed(4)} ${(o.restZ + 0.001).toFixed(4)}" euler="0 0 ${o.yaw.toFixed(4)}">
      <freejoint name="${o.name}"/>
      ${objectGeom(o)}
    </body>`).join('\n    ')}
  </worldbody>
</mujoco>`;
  return { xml, files: { ...robot.files, 'robot.xml': robot.xml } };
}

/** Whether a position lies inside a bin, below the rim. */
export function inBin(bin: Bin, p: ArrayLike<number>): boolean {
  const { pos: [bx, by], half, height } = bin;
  return Math.abs(p[0]! - bx) < half - 0.005 && Math.abs(p[1]! - by) < half - 0.005 && p[2]! < height + 0.02;
}

/** Whether a block at `p` (with vertical half-extent `h`) rests on the block `base` at `b` (half-extents `bs`). */
export function onTop(p: ArrayLike<number>, h: number, b: ArrayLike<number>, bs: number[]): boolean {
  const top = b[2]! + bs[2]!;
  // Within the base's inscribed circle (the base may be turned), resting at the top.
  return Math.hypot(p[0]! - b[0]!, p[1]! - b[1]!) < Math.min(bs[0]!, bs[1]!) && Math.abs(p[2]! - (top + h)) < 0.012;
}
