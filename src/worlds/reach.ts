/**
 * reach: a 2-link planar arm (DeepMind Control "reacher" style) moves its fingertip to a target.
 * Held-out scenes put the target in angular sectors and radius bands training never uses, with
 * unseen target colours. Anchor: DINO-WM Reach.
 */
import { Rng } from '../rng.ts';
import type { Split } from '../env/types.ts';
import { BandedRange, hsv, rgba, type SceneBase, type WorldContext, type WorldDef, setScaledCtrl } from './world.ts';

export interface ReachScene extends SceneBase {
  targetAngle: number;
  targetRadius: number;
  targetHue: number;
  q0: [number, number];
  target: [number, number];
}

export const LINK1 = 0.12;
export const LINK2 = 0.12;
export const QDMAX = 2; // rad/s at |action| = 1
export const SUCCESS_R = 0.02;
const ARENA = 0.3;

const ANGLE = new BandedRange(-Math.PI, Math.PI, 12, 4);
const RADIUS = new BandedRange(0.06, 0.22, 4, 3);
const HUE = new BandedRange(0, 1, 12, 3);

function sampleScene(split: Split, seed: number): ReachScene {
  const rng = new Rng(seed, `reach/${split}`);
  const targetAngle = ANGLE.sample(rng, split);
  const targetRadius = RADIUS.sample(rng, split);
  const targetHue = HUE.sample(rng, split);
  const q0: [number, number] = [rng.uniform(-Math.PI, Math.PI), rng.uniform(-2.6, 2.6)];
  const target: [number, number] = [targetRadius * Math.cos(targetAngle), targetRadius * Math.sin(targetAngle)];
  return { split, seed, targetAngle, targetRadius, targetHue, q0, target, task: 'touch the target with the fingertip' };
}

function splitOf(s: ReachScene): Split | null {
  const parts = [ANGLE.splitOf(s.targetAngle), RADIUS.splitOf(s.targetRadius), HUE.splitOf(s.targetHue)];
  return parts.every((p) => p === 'train') ? 'train' : parts.every((p) => p === 'heldout') ? 'heldout' : null;
}

function buildMjcf(s: ReachScene): string {
  const h = (1.05 * ARENA) / Math.tan((22.5 * Math.PI) / 180);
  return `<mujoco model="reach">
  <size memory="512K"/>
  <option timestep="0.01" gravity="0 0 0" integrator="implicitfast"/>
  <default><geom contype="0" conaffinity="0"/><joint armature="0.002"/></default>
  <worldbody>
    <camera name="top" pos="0 0 ${h}" xyaxes="1 0 0 0 1 0" fovy="45"/>
    <geom name="floor" type="plane" size="${ARENA} ${ARENA} 0.1" rgba="0.32 0.34 0.38 1"/>
    <geom name="target" type="cylinder" pos="${s.target[0]} ${s.target[1]} 0.002" size="${SUCCESS_R} 0.002" rgba="${rgba(hsv(s.targetHue, 0.8, 0.9))}"/>
    <geom name="base" type="cylinder" pos="0 0 0.01" size="0.02 0.01" rgba="0.2 0.2 0.2 1"/>
    <body name="arm" pos="0 0 0.02">
      <joint name="shoulder" type="hinge" axis="0 0 1" damping="0.05"/>
      <geom name="link1" type="capsule" fromto="0 0 0 ${LINK1} 0 0" size="0.012" rgba="0.85 0.85 0.9 1" mass="0.1"/>
      <body name="hand" pos="${LINK1} 0 0">
        <joint name="wrist" type="hinge" axis="0 0 1" damping="0.05"/>
        <geom name="link2" type="capsule" fromto="0 0 0 ${LINK2} 0 0" size="0.01" rgba="0.85 0.85 0.9 1" mass="0.05"/>
        <site name="fingertip" pos="${LINK2} 0 0" size="0.01"/>
        <geom name="fingertip" type="sphere" pos="${LINK2} 0 0" size="0.014" rgba="0.95 0.3 0.2 1" mass="0.01"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <velocity name="shoulder" joint="shoulder" kv="2" ctrlrange="${-QDMAX} ${QDMAX}" ctrllimited="true"/>
    <velocity name="wrist" joint="wrist" kv="1" ctrlrange="${-QDMAX} ${QDMAX}" ctrllimited="true"/>
  </actuator>
</mujoco>`;
}

/** Forward kinematics of the fingertip (exact for this arm; used by the expert and tests). */
export function fingertip(q1: number, q2: number): [number, number] {
  return [LINK1 * Math.cos(q1) + LINK2 * Math.cos(q1 + q2), LINK1 * Math.sin(q1) + LINK2 * Math.sin(q1 + q2)];
}

/**
 * Both inverse-kinematics solutions (elbow one way, then the other) for the fingertip at (x, y);
 * null when out of reach. Shoulder angles are not wrapped: callers compare wrapped differences.
 */
export function inverseKinematics(x: number, y: number): [number, number][] | null {
  const c2 = (x * x + y * y - LINK1 * LINK1 - LINK2 * LINK2) / (2 * LINK1 * LINK2);
  if (c2 < -1 || c2 > 1) return null;
  return [1, -1].map((sign) => {
    const q2 = sign * Math.acos(c2);
    return [Math.atan2(y, x) - Math.atan2(LINK2 * Math.sin(q2), LINK1 + LINK2 * Math.cos(q2)), q2];
  });
}

function tip({ sim }: WorldContext<ReachScene>): [number, number] {
  const q = sim.data.qpos;
  return fingertip(q[0]!, q[1]!);
}

export const reach: WorldDef<ReachScene> = {
  name: 'reach',
  description: '2-link planar arm; move the fingertip onto the target',
  robot: 'arm2-planar',
  task: 'reach',
  fps: 10,
  substeps: 10,
  maxSteps: 40,
  actionNames: ['shoulder_vel', 'wrist_vel'],
  stateNames: ['shoulder', 'wrist', 'shoulder_vel', 'wrist_vel'],
  cameras: ['top'],
  heldoutDiffers: 'target angular sectors, target radius bands, target colours',
  successRule: `fingertip within ${SUCCESS_R} m of the target centre`,
  sampleScene,
  splitOf,
  buildMjcf,
  init({ sim, scene }) {
    const q = sim.data.qpos;
    q[0] = scene.q0[0];
    q[1] = scene.q0[1];
  },
  applyAction({ sim }, a) {
    setScaledCtrl(sim, a, QDMAX);
  },
  state({ sim }) {
    const q = sim.data.qpos;
    const v = sim.data.qvel;
    return [q[0]!, q[1]!, v[0]!, v[1]!];
  },
  reward(ctx) {
    const p = tip(ctx);
    return -Math.hypot(p[0] - ctx.scene.target[0], p[1] - ctx.scene.target[1]);
  },
  success(ctx) {
    const p = tip(ctx);
    return Math.hypot(p[0] - ctx.scene.target[0], p[1] - ctx.scene.target[1]) < SUCCESS_R;
  },
  goal({ sim, scene }) {
    // The first inverse-kinematics solution (the goal image only needs the fingertip on target);
    // sampled targets are always in reach, the fallback stretches the arm towards the target.
    const [x, y] = scene.target;
    const [q1, q2] = inverseKinematics(x, y)?.[0] ?? [Math.atan2(y, x), 0];
    const q = sim.data.qpos;
    q[0] = q1;
    q[1] = q2;
  },
  positions(ctx) {
    return { fingertip: tip(ctx), target: [...ctx.scene.target] };
  },
};
