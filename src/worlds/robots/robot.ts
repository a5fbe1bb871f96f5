/**
 * Robots for manipulation worlds. A robot is an MJCF file (built-in: generated here from
 * primitives; external: any MJCF with its meshes and includes, see descriptor.ts) plus the few
 * names a task needs: the arm joints, the end-effector site, the gripper actuator(s) and the wrist
 * camera. Tasks include the robot file into their scene (`<include file="robot.xml"/>`, the
 * MuJoCo Menagerie scene.xml pattern), so built-in and external robots go through the same path.
 * Browser-safe.
 */

export type GripperKind = 'parallel' | 'suction' | 'none';

export interface RobotDef {
  /** Registry name: a built-in's name, or a descriptor's absolute path (world names resolve it). */
  name: string;
  /**
   * The robot's own name (a descriptor's "name"; built-ins: absent, `name` is used). Scenes are
   * seeded with it, so where a descriptor's files live never changes what a seed gives.
   */
  label?: string;
  description: string;
  /** The robot's MJCF (root element <mujoco>) and any files it references (meshes, includes). */
  xml: string;
  files: Record<string, Uint8Array | string>;
  /** Joints the controller drives (each with a position actuator on it). */
  armJoints: string[];
  /** Site at the grasp point; its z axis points out of the gripper (down when grasping from above). */
  eeSite: string;
  gripper: {
    kind: GripperKind;
    /** Actuators written with the gripper command (parallel: both fingers or one coupled actuator). */
    actuators: string[];
    /** ctrl for open and closed (suction: off and on). */
    open: number;
    closed: number;
  };
  /** Camera fixed to the hand, looking along the gripper (null: none). */
  wristCamera: string | null;
  /** Joint positions at reset (same order as armJoints). */
  home: number[];
  /** Workspace the tasks lay objects out in: distance band from the base (m) and height of the base above the floor. */
  workspace: { rMin: number; rMax: number; maxAngle: number };
  /** Weight of the yaw task in the end-effector controller (0 when the arm cannot yaw its hand on its own). */
  yawWeight: number;
}

const GRIPPER_MAX = 0.04; // finger travel (m) each side

/** Two slide fingers with high-friction pads; `hand` is the body they hang from. */
function parallelFingers(): string {
  const finger = (side: 'l' | 'r', sign: number) => `
          <body name="finger_${side}" pos="0 ${sign * 0.01} 0.05">
            <joint name="finger_${side}" type="slide" axis="0 ${sign} 0" range="0 ${GRIPPER_MAX}" limited="true" damping="40" armature="0.01"/>
            <geom name="pad_${side}" type="box" pos="0 ${sign * 0.006} 0.025" size="0.012 0.006 0.025" rgba="0.15 0.15 0.15 1" friction="2 0.05 0.001" condim="4" mass="0.02"/>
          </body>`;
  return finger('l', 1) + finger('r', -1);
}

function gripperActuators(): string {
  return `
    <position name="finger_l" joint="finger_l" kp="800" ctrlrange="0 ${GRIPPER_MAX}" forcerange="-25 25"/>
    <position name="finger_r" joint="finger_r" kp="800" ctrlrange="0 ${GRIPPER_MAX}" forcerange="-25 25"/>`;
}

const ARM_DEFAULTS = `
  <compiler angle="radian"/>
  <default>
    <default class="arm"><joint damping="4" armature="0.05"/><geom rgba="0.82 0.83 0.86 1" contype="1" conaffinity="1"/></default>
  </default>`;

/**
 * The two arms share one kinematic chain: base yaw, shoulder and elbow pitch, wrist pitch and a
 * parallel gripper; arm6 adds a forearm roll and a hand twist (the two extra joints that let it
 * turn the hand independently of the base).
 */
function armXml(name: string, sixDof: boolean): string {
  // arm6 splits the 0.22 m forearm into 0.16 m + a 0.06 m rolling segment: same reach.
  const forearm = sixDof
    ? `<geom type="capsule" fromto="0 0 0 0.16 0 0" size="0.02"/>
            <body name="forearm" pos="0.16 0 0" gravcomp="1">
              <joint name="roll" type="hinge" axis="1 0 0" range="-2.8 2.8"/>
              <geom type="capsule" fromto="0 0 0 0.06 0 0" size="0.018"/>
              <body name="hand" pos="0.06 0 0" gravcomp="1">`
    : `<geom type="capsule" fromto="0 0 0 0.22 0 0" size="0.02"/>
            <body name="hand" pos="0.22 0 0" gravcomp="1">`;
  const twist = sixDof ? '\n                  <joint name="twist" type="hinge" axis="0 0 1" range="-2.8 2.8"/>' : '';
  return `<mujoco model="${name}">${ARM_DEFAULTS}
  <worldbody>
    <body name="base" pos="0 0 0" childclass="arm" gravcomp="1">
      <geom name="base" type="cylinder" size="0.06 0.03" pos="0 0 0.03" rgba="0.25 0.25 0.28 1"/>
      <body name="turret" pos="0 0 0.06" gravcomp="1">
        <joint name="yaw" type="hinge" axis="0 0 1" range="-2.6 2.6"/>
        <geom type="cylinder" size="0.04 0.04" pos="0 0 0.04"/>
        <body name="upper" pos="0 0 0.1" gravcomp="1">
          <joint name="shoulder" type="hinge" axis="0 1 0" range="-0.3 2.2"/>
          <geom type="capsule" fromto="0 0 0 0 0 0.25" size="0.025"/>
          <body name="fore" pos="0 0 0.25" gravcomp="1">
            <joint name="elbow" type="hinge" axis="0 1 0" range="-1.6 2.8"/>
            ${forearm}
                <joint name="wrist" type="hinge" axis="0 1 0" range="-2.2 2.2"/>
                <geom type="box" pos="0.03 0 0" size="0.03 0.025 0.012"/>
                <body name="palm" pos="0.06 0 0" euler="0 1.5708 0" gravcomp="1">${twist}
                  <geom type="box" pos="0 0 0.005" size="0.015 0.035 0.008" rgba="0.3 0.3 0.32 1"/>
                  <camera name="wrist" pos="0.04 0 0" xyaxes="0 -1 0 -0.95 0 0.3" fovy="70"/>
                  <site name="grip" pos="0 0 0.085" size="0.006" rgba="1 0.6 0 0.5"/>${parallelFingers()}
                </body>
              </body>${sixDof ? '\n            </body>' : ''}
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <position name="yaw" joint="yaw" kp="300" ctrlrange="-2.6 2.6" forcerange="-60 60"/>
    <position name="shoulder" joint="shoulder" kp="400" ctrlrange="-0.3 2.2" forcerange="-80 80"/>
    <position name="elbow" joint="elbow" kp="300" ctrlrange="-1.6 2.8" forcerange="-60 60"/>${sixDof ? '\n    <position name="roll" joint="roll" kp="100" ctrlrange="-2.8 2.8" forcerange="-20 20"/>' : ''}
    <position name="wrist" joint="wrist" kp="150" ctrlrange="-2.2 2.2" forcerange="-30 30"/>${sixDof ? '\n    <position name="twist" joint="twist" kp="60" ctrlrange="-2.8 2.8" forcerange="-10 10"/>' : ''}${gripperActuators()}
  </actuator>
</mujoco>`;
}

/** arm4: base yaw, shoulder pitch, elbow pitch, wrist pitch + a 2-finger parallel gripper. */
export function arm4(): RobotDef {
  return {
    name: 'arm4', description: '4-DoF arm (base yaw, shoulder, elbow, wrist pitch) + 2-finger parallel gripper',
    xml: armXml('arm4', false), files: {}, armJoints: ['yaw', 'shoulder', 'elbow', 'wrist'], eeSite: 'grip',
    gripper: { kind: 'parallel', actuators: ['finger_l', 'finger_r'], open: GRIPPER_MAX, closed: 0 },
    wristCamera: 'wrist', home: [0, 0.3, 0.6, 0.67],
    workspace: { rMin: 0.27, rMax: 0.42, maxAngle: 1.0 }, yawWeight: 0,
  };
}

/** arm6: base yaw, shoulder, elbow, forearm roll, wrist pitch, hand twist + a 2-finger parallel gripper. */
export function arm6(): RobotDef {
  return {
    name: 'arm6', description: '6-DoF arm (yaw, shoulder, elbow, forearm roll, wrist pitch, hand twist) + 2-finger parallel gripper',
    xml: armXml('arm6', true), files: {}, armJoints: ['yaw', 'shoulder', 'elbow', 'roll', 'wrist', 'twist'], eeSite: 'grip',
    gripper: { kind: 'parallel', actuators: ['finger_l', 'finger_r'], open: GRIPPER_MAX, closed: 0 },
    wristCamera: 'wrist', home: [0, 0.3, 0.6, 0, 0.67, 0],
    workspace: { rMin: 0.27, rMax: 0.41, maxAngle: 1.0 }, yawWeight: 0.5,
  };
}

/** gantry: Cartesian XYZ stage + hand yaw with a suction cup (MuJoCo adhesion actuator). */
export function gantry(): RobotDef {
  const xml = `<mujoco model="gantry">
  <compiler angle="radian"/>
  <default><default class="stage"><joint damping="60" armature="0.1"/><geom rgba="0.6 0.62 0.66 1" contype="0" conaffinity="0"/></default></default>
  <worldbody>
    <geom name="rail_l" type="box" pos="0.35 0.42 0.5" size="0.35 0.015 0.015" rgba="0.35 0.35 0.38 1" contype="0" conaffinity="0"/>
    <geom name="rail_r" type="box" pos="0.35 -0.42 0.5" size="0.35 0.015 0.015" rgba="0.35 0.35 0.38 1" contype="0" conaffinity="0"/>
    <body name="bridge" pos="0.35 0 0.5" childclass="stage" gravcomp="1">
      <joint name="x" type="slide" axis="1 0 0" range="-0.25 0.3"/>
      <geom type="box" size="0.02 0.42 0.015"/>
      <body name="carriage" pos="0 0 0" gravcomp="1">
        <joint name="y" type="slide" axis="0 1 0" range="-0.38 0.38"/>
        <geom type="box" size="0.03 0.03 0.03"/>
        <body name="quill" pos="0 0 0" gravcomp="1">
          <joint name="z" type="slide" axis="0 0 1" range="-0.49 0"/>
          <geom type="cylinder" fromto="0 0 0 0 0 0.3" size="0.012"/>
          <body name="hand" pos="0 0 -0.02" euler="3.14159 0 0" gravcomp="1">
            <joint name="twist" type="hinge" axis="0 0 1" range="-2.8 2.8" damping="1"/>
            <geom type="cylinder" size="0.02 0.01" pos="0 0 0.0"/>
            <camera name="wrist" pos="0.04 0 0" xyaxes="0 -1 0 -0.95 0 0.3" fovy="70"/>
            <body name="cup" pos="0 0 0.025">
              <geom name="cup" type="cylinder" size="0.016 0.01" rgba="0.1 0.1 0.1 1" contype="1" conaffinity="1" friction="2 0.05 0.001" condim="4" mass="0.01"/>
              <site name="grip" pos="0 0 0.011" size="0.006" rgba="1 0.6 0 0.5"/>
            </body>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <position name="x" joint="x" kp="2000" ctrlrange="-0.25 0.3" forcerange="-200 200"/>
    <position name="y" joint="y" kp="2000" ctrlrange="-0.38 0.38" forcerange="-200 200"/>
    <position name="z" joint="z" kp="2000" ctrlrange="-0.49 0" forcerange="-200 200"/>
    <position name="twist" joint="twist" kp="20" ctrlrange="-2.8 2.8" forcerange="-5 5"/>
    <adhesion name="suction" body="cup" ctrlrange="0 1" gain="60"/>
  </actuator>
</mujoco>`;
  return {
    name: 'gantry', description: 'Cartesian XYZ gantry + hand yaw with a suction cup (adhesion actuator)',
    xml, files: {}, armJoints: ['x', 'y', 'z', 'twist'], eeSite: 'grip',
    gripper: { kind: 'suction', actuators: ['suction'], open: 0, closed: 1 },
    wristCamera: 'wrist', home: [0, 0, -0.2, 0],
    workspace: { rMin: 0.24, rMax: 0.45, maxAngle: 0.9 }, yawWeight: 0.5,
  };
}

export const BUILTIN_ROBOTS: Record<string, () => RobotDef> = { arm4, arm6, gantry };
