/**
 * two-room: a point-mass agent in a 2 m square arena split by a wall with a door; reach a target,
 * usually in the other room. Anchor: PLDM / EB-JEPA "two rooms".
 *
 * Held-out scenes use wall positions, door positions, door widths and colours from bands that
 * training scenes never draw from (BandedRange).
 */
import { Rng } from '../rng.ts';
import type { Split } from '../env/types.ts';
import { BandedRange, hsv, rgba, type Rgb, type SceneBase, type WorldContext, type WorldDef, setScaledCtrl } from './world.ts';

export interface TwoRoomScene extends SceneBase {
  wallX: number;
  doorY: number;
  doorW: number;
  wallHue: number;
  floorHue: number;
  start: [number, number];
  target: [number, number];
}

export const HALF = 1.0; // arena half-size (m)
export const AGENT_R = 0.06;
export const WALL_T = 0.06; // wall thickness
export const VMAX = 1.0; // m/s at |action| = 1
export const SUCCESS_R = 0.1;

const WALL_X = new BandedRange(-0.4, 0.4, 8, 3);
const DOOR_Y = new BandedRange(-0.55, 0.55, 11, 3);
const DOOR_W = new BandedRange(0.26, 0.46, 4, 3);
const WALL_HUE = new BandedRange(0, 1, 12, 3);
const FLOOR_HUE = new BandedRange(0, 1, 12, 3);

function sampleScene(split: Split, seed: number): TwoRoomScene {
  const rng = new Rng(seed, `two-room/${split}`);
  const wallX = WALL_X.sample(rng, split);
  const doorY = DOOR_Y.sample(rng, split);
  const doorW = DOOR_W.sample(rng, split);
  const wallHue = WALL_HUE.sample(rng, split);
  const floorHue = FLOOR_HUE.sample(rng, split);
  const margin = AGENT_R + 0.04;
  const pointIn = (side: -1 | 1): [number, number] => {
    const xlo = side < 0 ? -HALF + margin : wallX + WALL_T / 2 + margin;
    const xhi = side < 0 ? wallX - WALL_T / 2 - margin : HALF - margin;
    return [rng.uniform(xlo, xhi), rng.uniform(-HALF + margin, HALF - margin)];
  };
  const startSide: -1 | 1 = rng.next() < 0.5 ? -1 : 1;
  const targetSide: -1 | 1 = rng.next() < 0.8 ? (-startSide as -1 | 1) : startSide;
  const start = pointIn(startSide);
  let target = pointIn(targetSide);
  for (let i = 0; i < 20 && Math.hypot(target[0] - start[0], target[1] - start[1]) < 3 * SUCCESS_R; i++) target = pointIn(targetSide);
  const side = targetSide < 0 ? 'left' : 'right';
  return {
    split, seed, wallX, doorY, doorW, wallHue, floorHue, start, target,
    task: `go to the target in the ${side} room`,
  };
}

function splitOf(s: TwoRoomScene): Split | null {
  const parts = [WALL_X.splitOf(s.wallX), DOOR_Y.splitOf(s.doorY), DOOR_W.splitOf(s.doorW), WALL_HUE.splitOf(s.wallHue), FLOOR_HUE.splitOf(s.floorHue)];
  return parts.every((p) => p === 'train') ? 'train' : parts.every((p) => p === 'heldout') ? 'heldout' : null;
}

function buildMjcf(s: TwoRoomScene): string {
  const wall: Rgb = hsv(s.wallHue, 0.55, 0.75);
  const floor: Rgb = hsv(s.floorHue, 0.25, 0.35);
  const lowerLen = s.doorY - s.doorW / 2 + HALF; // from y=-HALF up to the door
  const upperLen = HALF - (s.doorY + s.doorW / 2);
  // Walls are frictionless like the agent: MuJoCo gives a contact the larger of its two geoms'
  // friction, so the agent's friction="0 0 0" alone left the walls' default 1 in force and an
  // agent pressing into a wall slid along it ~10× slower than commanded.
  const box = (name: string, x: number, y: number, hx: number, hy: number) =>
    `<geom name="${name}" type="box" pos="${x} ${y} 0.05" size="${hx} ${hy} 0.05" rgba="${rgba(wall)}" friction="0 0 0"/>`;
  return `<mujoco model="two-room">
  <size memory="512K"/>
  <option timestep="0.01" gravity="0 0 0" integrator="implicitfast"/>
  <worldbody>
    <camera name="top" pos="0 0 ${(1.04 * HALF) / Math.tan((22.5 * Math.PI) / 180)}" xyaxes="1 0 0 0 1 0" fovy="45"/>
    <geom name="floor" type="plane" size="${HALF} ${HALF} 0.1" rgba="${rgba(floor)}" contype="0" conaffinity="0"/>
    ${box('wall_n', 0, HALF + WALL_T / 2, HALF + WALL_T, WALL_T / 2)}
    ${box('wall_s', 0, -HALF - WALL_T / 2, HALF + WALL_T, WALL_T / 2)}
    ${box('wall_e', HALF + WALL_T / 2, 0, WALL_T / 2, HALF)}
    ${box('wall_w', -HALF - WALL_T / 2, 0, WALL_T / 2, HALF)}
    ${box('wall_lower', s.wallX, -HALF + lowerLen / 2, WALL_T / 2, lowerLen / 2)}
    ${box('wall_upper', s.wallX, HALF - upperLen / 2, WALL_T / 2, upperLen / 2)}
    <geom name="target" type="cylinder" pos="${s.target[0]} ${s.target[1]} 0.001" size="${SUCCESS_R * 0.8} 0.001" rgba="0.95 0.95 0.95 1" contype="0" conaffinity="0"/>
    <body name="agent" pos="0 0 ${AGENT_R}">
      <joint name="agent_x" type="slide" axis="1 0 0" damping="0.5"/>
      <joint name="agent_y" type="slide" axis="0 1 0" damping="0.5"/>
      <geom name="agent" type="sphere" size="${AGENT_R}" mass="1" rgba="0.95 0.2 0.15 1" friction="0 0 0"/>
    </body>
  </worldbody>
  <actuator>
    <velocity name="vx" joint="agent_x" kv="30" ctrlrange="${-VMAX} ${VMAX}" ctrllimited="true"/>
    <velocity name="vy" joint="agent_y" kv="30" ctrlrange="${-VMAX} ${VMAX}" ctrllimited="true"/>
  </actuator>
</mujoco>`;
}

function agentPos({ sim }: WorldContext<TwoRoomScene>): [number, number] {
  const q = sim.data.qpos;
  return [q[0]!, q[1]!];
}

/** Path length to the target through the door when the agent is in the other room. */
export function pathDistance(s: TwoRoomScene, p: readonly [number, number]): number {
  const sameSide = Math.sign(p[0] - s.wallX) === Math.sign(s.target[0] - s.wallX);
  if (sameSide) return Math.hypot(s.target[0] - p[0], s.target[1] - p[1]);
  return Math.hypot(s.wallX - p[0], s.doorY - p[1]) + Math.hypot(s.target[0] - s.wallX, s.target[1] - s.doorY);
}

export const twoRoom: WorldDef<TwoRoomScene> = {
  name: 'two-room',
  description: 'point-mass agent, two rooms joined by a door; reach the target',
  robot: 'point-mass',
  task: 'navigate',
  fps: 10,
  substeps: 10,
  maxSteps: 100,
  actionNames: ['vx', 'vy'],
  stateNames: ['agent_x', 'agent_y', 'agent_vx', 'agent_vy'],
  cameras: ['top'],
  heldoutDiffers: 'wall position, door position and width, wall and floor colours',
  successRule: `agent centre within ${SUCCESS_R} m of the target`,
  sampleScene,
  splitOf,
  buildMjcf,
  init({ sim, scene }) {
    const q = sim.data.qpos;
    q[0] = scene.start[0];
    q[1] = scene.start[1];
  },
  applyAction({ sim }, a) {
    setScaledCtrl(sim, a, VMAX);
  },
  state({ sim }) {
    const q = sim.data.qpos;
    const v = sim.data.qvel;
    return [q[0]!, q[1]!, v[0]!, v[1]!];
  },
  reward(ctx) {
    return -pathDistance(ctx.scene, agentPos(ctx));
  },
  success(ctx) {
    const p = agentPos(ctx);
    return Math.hypot(p[0] - ctx.scene.target[0], p[1] - ctx.scene.target[1]) < SUCCESS_R;
  },
  goal({ sim, scene }) {
    const q = sim.data.qpos;
    q[0] = scene.target[0];
    q[1] = scene.target[1];
  },
  positions(ctx) {
    return { agent: agentPos(ctx), target: [...ctx.scene.target] };
  },
};

