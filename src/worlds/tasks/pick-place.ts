/**
 * pick-place: pick the named object and put it in the bin. Seeded procedural scenes: table colour,
 * object shapes/sizes/colours/masses/friction, positions, bin placement, distractors, camera jitter,
 * instruction phrasing. Held-out scenes use colour–shape combinations, bin placements, distractor
 * shapes and instruction phrasings that training scenes never use.
 * Browser-safe.
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

const TEMPLATES: Record<Split, string[]> = {
  train: ['put the {o} in the bin', 'pick up the {o} and place it in the bin', 'move the {o} into the bin'],
  heldout: ['drop the {o} into the container', 'the {o} belongs in the bin: put it there'],
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

export interface PickPlaceScene extends SceneBase {
  tableHue: number;
  binAngle: number;
  bin: { pos: [number, number]; half: number; height: number };
  /** objects[0] is the target. */
  objects: SceneObject[];
  template: number;
  cameraJitter: [number, number, number];
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

export function samplePickPlace(robot: RobotDef, split: Split, seed: number): PickPlaceScene {
  const rng = new Rng(seed, `pick-place/${robot.name}/${split}`);
  const ws = robot.workspace;
  const tableHue = TABLE_HUE.sample(rng, split);
  const binAngle = BIN_ANGLE.sample(rng, split);
  const binR = (ws.rMin + ws.rMax) / 2;
  const bin = { pos: [binR * Math.cos(binAngle * ws.maxAngle), binR * Math.sin(binAngle * ws.maxAngle)] as [number, number], half: rng.uniform(0.055, 0.065), height: 0.04 };
  // Target: a colour–shape combination of this split.
  const combos: [number, number][] = [];
  COLOURS.forEach((_, c) => TARGET_SHAPES.forEach((_, s) => { if (comboSplit(c, s) === split) combos.push([c, s]); }));
  const [tc, ts] = combos[rng.int(combos.length)]!;
  const specs: Omit<SceneObject, 'pos' | 'yaw'>[] = [makeObject(rng, TARGET_SHAPES[ts]!, tc, 0)];
  // Distractors: other colours (so the instruction stays unambiguous); held-out scenes add unseen shapes.
  const nDistract = 1 + rng.int(3);
  for (let i = 0; i < nDistract; i++) {
    if (split === 'heldout' && i === 0) {
      const c = (tc + 1 + rng.int(COLOURS.length - 1)) % COLOURS.length;
      specs.push(makeObject(rng, HELDOUT_DISTRACTOR_SHAPES[rng.int(HELDOUT_DISTRACTOR_SHAPES.length)]!, c, i + 1));
      continue;
    }
    // Another colour than the target's (the instruction stays unambiguous); training scenes
    // only ever show training colour–shape combinations.
    let c = 0, sh = 0;
    do { c = rng.int(COLOURS.length); sh = rng.int(TARGET_SHAPES.length); } while (c === tc || (split === 'train' && comboSplit(c, sh) !== 'train'));
    specs.push(makeObject(rng, TARGET_SHAPES[sh]!, c, i + 1));
  }
  // Positions: in the workspace annulus, apart from each other and from the bin.
  const objects: SceneObject[] = [];
  for (const spec of specs) {
    let pos: [number, number] = [0, 0];
    for (let tries = 0; tries < 200; tries++) {
      const r = rng.uniform(ws.rMin, ws.rMax), a = rng.uniform(-ws.maxAngle, ws.maxAngle);
      pos = [r * Math.cos(a), r * Math.sin(a)];
      const clearBin = Math.max(Math.abs(pos[0] - bin.pos[0]), Math.abs(pos[1] - bin.pos[1])) > bin.half + 0.05;
      if (clearBin && objects.every((o) => Math.hypot(o.pos[0] - pos[0], o.pos[1] - pos[1]) > 0.085)) break;
    }
    objects.push({ ...spec, pos, yaw: rng.uniform(-Math.PI, Math.PI) });
  }
  const template = rng.int(TEMPLATES[split].length);
  const cameraJitter: [number, number, number] = [rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01), rng.uniform(-0.01, 0.01)];
  return {
    split, seed, tableHue, binAngle, bin, objects, template, cameraJitter,
    task: TEMPLATES[split][template]!.replace('{o}', objectLabel(objects[0]!)),
  };
}

export function pickPlaceSplitOf(s: PickPlaceScene): Split | null {
  const t = s.objects[0]!;
  const parts: Split[] = [TABLE_HUE.splitOf(s.tableHue), BIN_ANGLE.splitOf(s.binAngle), comboSplit(t.colour, TARGET_SHAPES.indexOf(t.shape))];
  const unseenDistractor = s.objects.slice(1).some((o) => HELDOUT_DISTRACTOR_SHAPES.includes(o.shape));
  parts.push(unseenDistractor ? 'heldout' : 'train');
  parts.push(TEMPLATES.heldout.some((tpl) => s.task === tpl.replace('{o}', objectLabel(t))) ? 'heldout' : 'train');
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

/** The scene file: includes the robot, adds the table, bin, objects, lights and the front camera. */
export function pickPlaceMjcf(robot: RobotDef, s: PickPlaceScene): { xml: string; files: Record<string, Uint8Array | string> } {
  const table = hsv(s.tableHue, 0.25, 0.55);
  const { pos: [bx, by], half, height } = s.bin;
  const t = 0.004;
  const wall = (name: string, x: number, y: number, hx: number, hy: number) =>
    `<geom name="${name}" type="box" pos="${x} ${y} ${height / 2}" size="${hx} ${hy} ${height / 2}" rgba="0.35 0.36 0.4 1"/>`;
  const [jx, jy, jz] = s.cameraJitter;
  const xml = `<mujoco model="${robot.name}-pick-place">
  <include file="robot.xml"/>
  <size memory="8M"/>
  <option timestep="0.002" integrator="implicitfast" cone="elliptic" impratio="10"/>
  <worldbody>
    <light name="key" pos="0.3 -0.4 1.2" dir="-0.2 0.3 -1" directional="true"/>
    <camera name="front" pos="${(1.05 + jx).toFixed(4)} ${jy.toFixed(4)} ${(0.62 + jz).toFixed(4)}" xyaxes="0 1 0 -0.5 0 0.866" fovy="50"/>
    <geom name="table" type="plane" size="1 1 0.05" rgba="${rgba(table)}" friction="1 0.02 0.001"/>
    <body name="bin" pos="${bx} ${by} 0">
      <geom name="bin_floor" type="box" pos="0 0 0.002" size="${half} ${half} 0.002" rgba="0.45 0.46 0.5 1"/>
      ${wall('bin_n', 0, half + t, half + t, t)}
      ${wall('bin_s', 0, -half - t, half + t, t)}
      ${wall('bin_e', half + t, 0, t, half)}
      ${wall('bin_w', -half - t, 0, t, half)}
    </body>
    ${s.objects.map((o) => `<body name="${o.name}" pos="${o.pos[0].toFixed(4)} ${o.pos[1].toFixed(4)} ${(o.restZ + 0.001).toFixed(4)}" euler="0 0 ${o.yaw.toFixed(4)}">
      <freejoint name="${o.name}"/>
      ${objectGeom(o)}
    </body>`).join('\n    ')}
  </worldbody>
</mujoco>`;
  return { xml, files: { ...robot.files, 'robot.xml': robot.xml } };
}

/** Whether object `o` (its body position) lies inside the bin, below the rim. */
export function inBin(s: PickPlaceScene, p: ArrayLike<number>): boolean {
  const { pos: [bx, by], half, height } = s.bin;
  return Math.abs(p[0]! - bx) < half - 0.005 && Math.abs(p[1]! - by) < half - 0.005 && p[2]! < height + 0.02;
}
