/** Shared test fixtures (not a test file itself). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A binary STL tetrahedron (the format most robot descriptions ship meshes in). */
function tetrahedronStl(): Buffer {
  const tris = [[[0, 0, 0], [0, 0.1, 0], [0.1, 0, 0]], [[0, 0, 0], [0.1, 0, 0], [0, 0, 0.1]], [[0, 0, 0], [0, 0, 0.1], [0, 0.1, 0]], [[0.1, 0, 0], [0, 0.1, 0], [0, 0, 0.1]]];
  const buf = Buffer.alloc(84 + 50 * tris.length);
  buf.writeUInt32LE(tris.length, 80);
  tris.forEach((t, i) => t.forEach((v, j) => v.forEach((c, k) => buf.writeFloatLE(c, 84 + 50 * i + 12 + 12 * j + 4 * k))));
  return buf;
}

export function writeRobot(dir: string): string {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  mkdirSync(join(dir, 'parts'), { recursive: true });
  writeFileSync(join(dir, 'assets', 'tet.stl'), tetrahedronStl());
  writeFileSync(join(dir, 'parts', 'arm.xml'), '<mujoco><body name="link" pos="0 0 0.5"><joint type="hinge" class="arm"/><geom type="mesh" mesh="tet" rgba="0.9 0.1 0.1 1"/><include file="parts/tip.xml"/></body></mujoco>');
  writeFileSync(join(dir, 'parts', 'tip.xml'), '<mujoco><site name="tip" pos="0.1 0 0"/></mujoco>');
  const main = join(dir, 'robot.xml');
  writeFileSync(main, `<mujoco><compiler meshdir="assets"/><default><default class="arm"><joint damping="1"/></default></default>
    <asset><mesh name="tet" file="tet.stl"/></asset>
    <worldbody><camera name="front" pos="0 -1 0.5" xyaxes="1 0 0 0 0 1"/><include file="parts/arm.xml"/></worldbody></mujoco>`);
  return main;
}


/**
 * An external 4-DoF arm written the way robot descriptions ship: a main file with default classes,
 * meshdir + a binary STL mesh, the forearm in an included file, position actuators, a suction cup
 * (adhesion) and no sites or cameras of ours. Returns the descriptor path.
 */
export function writeArmRobot(dir: string, descriptor: Record<string, unknown> = {}, opts: { tendonGripper?: boolean } = {}): string {
  // Optionally a parallel gripper the way MuJoCo Menagerie's Panda has it: two finger slides
  // coupled by an equality, driven through a fixed "split" tendon by one actuator (ctrl 0–255).
  const fingers = opts.tendonGripper ? `
          <body name="finger_a" pos="0 0.02 0.03"><joint name="f_a" type="slide" axis="0 1 0" range="0 0.04" damping="1"/><geom type="box" size="0.004 0.004 0.02" contype="0" conaffinity="0" mass="0.02"/></body>
          <body name="finger_b" pos="0 -0.02 0.03"><joint name="f_b" type="slide" axis="0 -1 0" range="0 0.04" damping="1"/><geom type="box" size="0.004 0.004 0.02" contype="0" conaffinity="0" mass="0.02"/></body>` : '';
  const gripperXml = opts.tendonGripper ? `
  <tendon><fixed name="split"><joint joint="f_a" coef="0.5"/><joint joint="f_b" coef="0.5"/></fixed></tendon>
  <equality><joint joint1="f_a" joint2="f_b" polycoef="0 1 0 0 0"/></equality>` : '';
  const gripperActuator = opts.tendonGripper
    ? '<general name="fingers" tendon="split" ctrlrange="0 255" gainprm="0.01568" biastype="affine" biasprm="0 -100 -10" forcerange="-100 100"/>'
    : '<adhesion name="suck" body="tool" ctrlrange="0 1" gain="60"/>';
  mkdirSync(join(dir, 'meshes'), { recursive: true });
  mkdirSync(join(dir, 'parts'), { recursive: true });
  writeFileSync(join(dir, 'meshes', 'cover.stl'), tetrahedronStl());
  writeFileSync(join(dir, 'parts', 'forearm.xml'), `<mujoco>
    <body name="forearm" pos="0 0 0.25" childclass="link">
      <joint name="j_elbow" axis="0 1 0" range="-1.6 2.8"/>
      <geom type="capsule" fromto="0 0 0 0.22 0 0" size="0.02"/>
      <body name="wrist_link" pos="0.22 0 0">
        <joint name="j_wrist" axis="0 1 0" range="-2.2 2.2"/>
        <geom type="box" pos="0.03 0 0" size="0.03 0.02 0.012"/>
        <body name="tool" pos="0.1 0 0" euler="0 1.5708 0">
          <geom name="cup" type="cylinder" size="0.016 0.01" rgba="0.1 0.1 0.1 1" friction="2 0.05 0.001"/>${fingers}
        </body>
      </body>
    </body>
  </mujoco>`);
  writeFileSync(join(dir, 'arm.xml'), `<mujoco model="ext-arm">
  <compiler angle="radian" meshdir="meshes" autolimits="true"/>
  <default>
    <default class="link"><joint type="hinge" damping="4" armature="0.05"/><geom rgba="0.7 0.72 0.75 1"/></default>
  </default>
  <asset><mesh name="cover" file="cover.stl"/></asset>
  <worldbody>
    <body name="ext_base" pos="0 0 0.06" childclass="link" gravcomp="1">
      <joint name="j_yaw" axis="0 0 1" range="-2.6 2.6"/>
      <geom type="mesh" mesh="cover"/>
      <body name="upper" pos="0 0 0.1" gravcomp="1">
        <joint name="j_shoulder" axis="0 1 0" range="-0.3 2.2"/>
        <geom type="capsule" fromto="0 0 0 0 0 0.25" size="0.025"/>
        <include file="parts/forearm.xml"/>
      </body>
    </body>
  </worldbody>${gripperXml}
  <actuator>
    <position name="a_yaw" joint="j_yaw" kp="300" ctrlrange="-2.6 2.6"/>
    <position name="a_shoulder" joint="j_shoulder" kp="400" ctrlrange="-0.3 2.2"/>
    <position name="a_elbow" joint="j_elbow" kp="300" ctrlrange="-1.6 2.8"/>
    <position name="a_wrist" joint="j_wrist" kp="150" ctrlrange="-2.2 2.2"/>
    ${gripperActuator}
  </actuator>
</mujoco>`);
  const path = join(dir, 'robot.json');
  writeFileSync(path, JSON.stringify({
    name: 'ext-arm', mjcf: 'arm.xml', armJoints: ['j_yaw', 'j_shoulder', 'j_elbow', 'j_wrist'],
    ee: { body: 'tool', offset: [0, 0, 0.011] },
    gripper: opts.tendonGripper ? { actuators: ['fingers'], open: 255, closed: 0 } : { actuators: ['suck'], open: 0, closed: 1, kind: 'suction' },
    wristCamera: { body: 'tool', pos: [0.04, 0, 0], xyaxes: [0, -1, 0, -0.95, 0, 0.3] },
    home: [0, 0.3, 0.6, 0.67],
    ...descriptor,
  }, null, 2));
  return path;
}
