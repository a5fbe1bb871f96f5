/**
 * push-t: a disk pusher (point mass, velocity-controlled) pushes a T-shaped block on a table,
 * seen from above, onto a target pose drawn as a flat ghost T on the floor. Anchor: Diffusion
 * Policy "Push-T".
 *
 * The block is planar (slide x, slide y, hinge z; gravity is off); its sliding friction on the
 * floor is emulated by damping and Coulomb friction loss on those three joints, scaled by the
 * scene's `friction`. Held-out scenes draw target positions, target angles, block colours and
 * friction from bands that training scenes never draw from (BandedRange).
 *
 * Block pose = its body frame: origin on the T's axis of symmetry, 4 cm below the bar's centre
 * (≈ the centre of mass), angle 0 = bar on top (+y), stem pointing down (-y). State
 * `block_angle` is that angle wrapped to (-π, π].
 */
import { Rng } from '../rng.ts';
import type { Split } from '../env/types.ts';
import { BandedRange, hsv, rgba, type Rgb, type SceneBase, type WorldContext, type WorldDef, setScaledCtrl } from './world.ts';

export interface PushTScene extends SceneBase {
  /** Target pose of the block: x, y (m), angle (rad, in [-π, π)). */
  target: [number, number, number];
  /** Initial pose of the block: x, y, angle. */
  block: [number, number, number];
  /** Initial pusher position. */
  pusher: [number, number];
  /** Block hue in [0, 1). */
  blockHue: number;
  /** Friction scale (1 = nominal): multiplies the block joints' damping and friction loss. */
  friction: number;
}

export const HALF = 0.5; // arena half-size (m)
export const WALL_T = 0.04; // wall thickness
export const PUSHER_R = 0.025; // pusher radius
export const HEIGHT = 0.05; // block and pusher height (the pusher is a sphere of PUSHER_R at z = PUSHER_R)
export const VMAX = 0.4; // m/s at |action| = 1

/** The T as two rectangles in the block frame: centre x, centre y, half-width, half-height. */
export const T_RECTS: readonly (readonly [number, number, number, number])[] = [
  [0, 0.04, 0.1, 0.025], // bar: 20 × 5 cm
  [0, -0.06, 0.025, 0.075], // stem: 5 × 15 cm
];
/** The T outline (counter-clockwise) in the block frame. */
export const T_POLY: readonly (readonly [number, number])[] = [
  [-0.1, 0.065], [-0.1, 0.015], [-0.025, 0.015], [-0.025, -0.135],
  [0.025, -0.135], [0.025, 0.015], [0.1, 0.015], [0.1, 0.065],
];
/** Radius of the circle around the block-frame origin that contains the T. */
export const T_RADIUS = Math.hypot(0.025, 0.135);

export const POS_TOL = 0.025; // success: block position within 2.5 cm of the target …
export const ANG_TOL = (10 * Math.PI) / 180; // … and angle within 10°
/** Weight of the angle error in the dense reward (m per rad): one angle tolerance = one position tolerance. */
export const ANG_W = POS_TOL / ANG_TOL;

// Nominal block-floor friction (scaled by scene.friction).
const SLIDE_DAMPING = 2.0; // N·s/m
const SLIDE_FRICTIONLOSS = 0.15; // N
const HINGE_DAMPING = 0.01; // N·m·s/rad
const HINGE_FRICTIONLOSS = 0.0075; // N·m
const BLOCK_DENSITY = 200; // kg/m³ → 0.175 kg

const TARGET_X = new BandedRange(-0.2, 0.2, 8, 3);
const TARGET_Y = new BandedRange(-0.2, 0.2, 8, 3);
const TARGET_ANGLE = new BandedRange(-Math.PI, Math.PI, 12, 3);
const BLOCK_HUE = new BandedRange(0, 1, 12, 3);
const FRICTION = new BandedRange(0.5, 2.0, 6, 3);

export function wrapAngle(a: number): number {
  const w = a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));
  return w <= -Math.PI ? w + 2 * Math.PI : w;
}

/** Block-frame point → world, for a block pose (x, y, θ). */
export function toWorld(pose: readonly [number, number, number] | readonly number[], px: number, py: number): [number, number] {
  const c = Math.cos(pose[2]!), s = Math.sin(pose[2]!);
  return [pose[0]! + c * px - s * py, pose[1]! + s * px + c * py];
}

/** Signed distance from a world point to the T at a pose (negative inside). */
export function tDistance(pose: readonly number[], x: number, y: number): number {
  const c = Math.cos(pose[2]!), s = Math.sin(pose[2]!);
  const dx = x - pose[0]!, dy = y - pose[1]!;
  const lx = c * dx + s * dy, ly = -s * dx + c * dy;
  let d = Infinity;
  for (const [cx, cy, hx, hy] of T_RECTS) {
    const qx = Math.abs(lx - cx) - hx, qy = Math.abs(ly - cy) - hy;
    const out = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
    d = Math.min(d, out > 0 ? out : Math.max(qx, qy));
  }
  return d;
}

/** Position error (m) and absolute angle error (rad) between a block pose and the target. */
export function poseError(pose: readonly number[], target: readonly number[]): [number, number] {
  return [Math.hypot(pose[0]! - target[0]!, pose[1]! - target[1]!), Math.abs(wrapAngle(pose[2]! - target[2]!))];
}

function sampleScene(split: Split, seed: number): PushTScene {
  const rng = new Rng(seed, `push-t/${split}`);
  const target: [number, number, number] = [TARGET_X.sample(rng, split), TARGET_Y.sample(rng, split), TARGET_ANGLE.sample(rng, split)];
  const blockHue = BLOCK_HUE.sample(rng, split);
  const friction = FRICTION.sample(rng, split);
  // Initial block pose: anywhere that keeps the T 6 cm off the walls, not already near the target.
  const lim = HALF - T_RADIUS - 0.06;
  let block: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 100; i++) {
    block = [rng.uniform(-lim, lim), rng.uniform(-lim, lim), rng.uniform(-Math.PI, Math.PI)];
    const [ep, ea] = poseError(block, target);
    if (ep > 4 * POS_TOL || ea > 4 * ANG_TOL) break;
  }
  // Pusher: in the arena, clear of the block.
  const plim = HALF - PUSHER_R - 0.02;
  let pusher: [number, number] = [0, 0];
  for (let i = 0; i < 200; i++) {
    pusher = [rng.uniform(-plim, plim), rng.uniform(-plim, plim)];
    if (tDistance(block, pusher[0], pusher[1]) > PUSHER_R + 0.03) break;
  }
  return { split, seed, target, block, pusher, blockHue, friction, task: 'push the T onto the target' };
}

function splitOf(s: PushTScene): Split | null {
  const parts = [TARGET_X.splitOf(s.target[0]), TARGET_Y.splitOf(s.target[1]), TARGET_ANGLE.splitOf(s.target[2]), BLOCK_HUE.splitOf(s.blockHue), FRICTION.splitOf(s.friction)];
  return parts.every((p) => p === 'train') ? 'train' : parts.every((p) => p === 'heldout') ? 'heldout' : null;
}

const f = (v: number) => Number(v.toFixed(6));

function buildMjcf(s: PushTScene): string {
  const block: Rgb = hsv(s.blockHue, 0.7, 0.85);
  const wall = '0.55 0.55 0.6 1';
  const box = (name: string, x: number, y: number, hx: number, hy: number) =>
    `<geom name="${name}" type="box" pos="${f(x)} ${f(y)} ${HEIGHT / 2}" size="${f(hx)} ${f(hy)} ${HEIGHT / 2}" rgba="${wall}"/>`;
  const ta = s.target[2];
  // The ghost: flat, non-colliding copies of the T's rectangles at the target pose.
  const ghost = T_RECTS.map(([cx, cy, hx, hy], i) => {
    const [gx, gy] = toWorld(s.target, cx, cy);
    return `<geom name="target_${i}" type="box" pos="${f(gx)} ${f(gy)} 0.001" euler="0 0 ${f(ta)}" size="${hx} ${hy} 0.001" rgba="0.62 0.64 0.68 1" contype="0" conaffinity="0"/>`;
  }).join('\n    ');
  const tGeoms = T_RECTS.map(([cx, cy, hx, hy], i) =>
    `<geom name="block_${i}" type="box" pos="${cx} ${cy} ${HEIGHT / 2}" size="${hx} ${hy} ${HEIGHT / 2}" density="${BLOCK_DENSITY}" rgba="${rgba(block)}" friction="0.3 0.005 0.0001"/>`,
  ).join('\n      ');
  const mu = s.friction;
  return `<mujoco model="push-t">
  <compiler angle="radian"/>
  <size memory="512K"/>
  <option timestep="0.01" gravity="0 0 0"/>
  <worldbody>
    <camera name="top" pos="0 0 ${f((1.04 * (HALF + WALL_T)) / Math.tan((22.5 * Math.PI) / 180))}" xyaxes="1 0 0 0 1 0" fovy="45"/>
    <geom name="floor" type="plane" size="${HALF} ${HALF} 0.1" rgba="0.32 0.33 0.36 1" contype="0" conaffinity="0"/>
    ${box('wall_n', 0, HALF + WALL_T / 2, HALF + WALL_T, WALL_T / 2)}
    ${box('wall_s', 0, -HALF - WALL_T / 2, HALF + WALL_T, WALL_T / 2)}
    ${box('wall_e', HALF + WALL_T / 2, 0, WALL_T / 2, HALF)}
    ${box('wall_w', -HALF - WALL_T / 2, 0, WALL_T / 2, HALF)}
    ${ghost}
    <body name="pusher" pos="0 0 ${PUSHER_R}">
      <joint name="pusher_x" type="slide" axis="1 0 0" damping="0.5"/>
      <joint name="pusher_y" type="slide" axis="0 1 0" damping="0.5"/>
      <geom name="pusher" type="sphere" size="${PUSHER_R}" mass="1" rgba="0.95 0.95 0.95 1" friction="0.3 0.005 0.0001"/>
    </body>
    <body name="block" pos="0 0 0">
      <joint name="block_x" type="slide" axis="1 0 0" damping="${f(SLIDE_DAMPING * mu)}" frictionloss="${f(SLIDE_FRICTIONLOSS * mu)}"/>
      <joint name="block_y" type="slide" axis="0 1 0" damping="${f(SLIDE_DAMPING * mu)}" frictionloss="${f(SLIDE_FRICTIONLOSS * mu)}"/>
      <joint name="block_angle" type="hinge" axis="0 0 1" damping="${f(HINGE_DAMPING * mu)}" frictionloss="${f(HINGE_FRICTIONLOSS * mu)}"/>
      ${tGeoms}
    </body>
  </worldbody>
  <actuator>
    <velocity name="vx" joint="pusher_x" kv="30" ctrlrange="${-VMAX} ${VMAX}" ctrllimited="true"/>
    <velocity name="vy" joint="pusher_y" kv="30" ctrlrange="${-VMAX} ${VMAX}" ctrllimited="true"/>
  </actuator>
</mujoco>`;
}

// qpos layout: [pusher_x, pusher_y, block_x, block_y, block_angle].
export function blockPose(sim: { data: { qpos: Float64Array } }): [number, number, number] {
  const q = sim.data.qpos;
  return [q[2]!, q[3]!, q[4]!];
}

function pusherPos({ sim }: WorldContext<PushTScene>): [number, number] {
  const q = sim.data.qpos;
  return [q[0]!, q[1]!];
}

export const pushT: WorldDef<PushTScene> = {
  name: 'push-t',
  description: 'disk pusher pushes a T-shaped block onto a target pose (top-down, planar)',
  robot: 'point-mass',
  task: 'push',
  fps: 10,
  substeps: 10,
  maxSteps: 300,
  actionNames: ['vx', 'vy'],
  stateNames: ['pusher_x', 'pusher_y', 'block_x', 'block_y', 'block_angle'],
  cameras: ['top'],
  heldoutDiffers: 'target position and angle, block colour, block-floor friction',
  successRule: `block within ${POS_TOL} m and ${Math.round((ANG_TOL * 180) / Math.PI)}° of the target pose`,
  sampleScene,
  splitOf,
  buildMjcf,
  init({ sim, scene }) {
    const q = sim.data.qpos;
    q[0] = scene.pusher[0];
    q[1] = scene.pusher[1];
    q[2] = scene.block[0];
    q[3] = scene.block[1];
    q[4] = scene.block[2];
  },
  applyAction({ sim }, a) {
    setScaledCtrl(sim, a, VMAX);
  },
  state({ sim }) {
    const q = sim.data.qpos;
    return [q[0]!, q[1]!, q[2]!, q[3]!, wrapAngle(q[4]!)];
  },
  reward({ sim, scene }) {
    const [ep, ea] = poseError(blockPose(sim), scene.target);
    return -(ep + ANG_W * ea);
  },
  success({ sim, scene }) {
    const [ep, ea] = poseError(blockPose(sim), scene.target);
    return ep < POS_TOL && ea < ANG_TOL;
  },
  goal({ sim, scene }) {
    // The block on its target; the pusher stays where it is.
    const q = sim.data.qpos;
    q[2] = scene.target[0];
    q[3] = scene.target[1];
    q[4] = scene.target[2];
  },
  positions(ctx) {
    const b = blockPose(ctx.sim);
    return { pusher: pusherPos(ctx), block: [b[0], b[1]], target: [ctx.scene.target[0], ctx.scene.target[1]] };
  },
};
