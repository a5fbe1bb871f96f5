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

