import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from '../src/sim/sim.ts';
import { RayCamera, shadeFactor } from '../src/sim/camera.ts';
import { ModelLoadError, SimInstabilityError } from '../src/errors.ts';

const BALLS = `<mujoco><size memory="256K"/><option timestep="0.005"/>
<worldbody><geom type="plane" size="2 2 0.1"/>
<body name="a" pos="0 0 0.5"><freejoint/><geom type="sphere" size="0.1"/></body>
<body name="b" pos="0.15 0.02 0.8"><freejoint/><geom type="box" size="0.1 0.05 0.05"/></body>
</worldbody></mujoco>`;

const bytes = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer);

test('fork gives bit-identical branches; setState restores exactly', async () => {
  const sim = await Sim.fromMjcf(BALLS);
  sim.step(150); // contacts, warm-start non-trivial
  const saved = sim.getState();
  const child = sim.fork();
  sim.step(200);
  child.step(200);
  assert.deepEqual(bytes(child.data.qpos), bytes(sim.data.qpos));
  assert.deepEqual(bytes(child.data.qvel), bytes(sim.data.qvel));
  const after = bytes(sim.data.qpos);
  sim.setState(saved);
  sim.step(200);
  assert.deepEqual(bytes(sim.data.qpos), after);
  child.dispose();
  sim.dispose();
  assert.throws(() => sim.step(), /after dispose/);
});

test('MJCF from files: includes and meshes through the virtual file system', async () => {
  const obj = 'v 0 0 0\nv 0.1 0 0\nv 0 0.1 0\nv 0 0 0.1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n';
  const sim = await Sim.fromMjcf({
    xml: `<mujoco><compiler meshdir="meshes"/><asset><mesh name="tet" file="tet.obj"/></asset>
      <worldbody><include file="parts/body.xml"/></worldbody></mujoco>`,
    files: {
      'parts/body.xml': '<mujoco><body name="part" pos="0 0 1"><freejoint/><geom type="mesh" mesh="tet"/></body></mujoco>',
      'meshes/tet.obj': new TextEncoder().encode(obj),
    },
  });
  assert.equal(sim.model.nmesh, 1);
  assert.ok(sim.id('body', 'part') > 0);
  sim.dispose();
});

test('MuJoCo load errors become one-line ModelLoadErrors', async () => {
  for (const src of [
    '<mujoco><worldbody><geom type="bogus"/></worldbody></mujoco>',
    '<mujoco><worldbody><geom type="sphere"',
    { xml: '<mujoco><asset><mesh name="m" file="missing.obj"/></asset><worldbody><geom type="mesh" mesh="m"/></worldbody></mujoco>', files: { 'other.txt': 'x' } },
  ]) {
    await assert.rejects(Sim.fromMjcf(src), (err: unknown) => {
      assert.ok(err instanceof ModelLoadError, String(err));
      assert.ok(!err.message.includes('\n'), `multi-line message: ${JSON.stringify(err.message)}`);
      assert.match(err.message, /could not load/);
      return true;
    });
  }
});

test('silent MuJoCo instability becomes an explicit health failure', async () => {
  // A stiff velocity servo on a tiny inertia with explicit Euler diverges; MuJoCo auto-resets silently.
  const sim = await Sim.fromMjcf(`<mujoco><option timestep="0.01" gravity="0 0 0"/><worldbody>
    <body><joint name="j" type="hinge" axis="0 0 1"/><geom type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" mass="0.01"/></body>
    </worldbody><actuator><velocity joint="j" kv="5"/></actuator></mujoco>`);
  assert.equal(sim.healthProblem(), null);
  sim.data.ctrl[0] = 1;
  sim.step(20);
  assert.match(sim.healthProblem() ?? '', /bad qacc/);
  assert.throws(() => sim.assertHealthy(), SimInstabilityError);
  sim.reset();
  assert.equal(sim.healthProblem(), null);
  sim.dispose();
});

test('renderer matches hand-computed pixels (colour, shading, depth) and is deterministic', async () => {
  // Camera 2 m above the origin looking straight down; a red box whose top face is at z = 0.5
  // fills the image centre; the grey floor is visible at the corners.
  const sim = await Sim.fromMjcf(`<mujoco><worldbody>
    <camera name="top" pos="0 0 2" xyaxes="1 0 0 0 1 0" fovy="60"/>
    <geom type="plane" size="5 5 0.1" rgba="0.5 0.5 0.5 1"/>
    <geom type="box" pos="0 0 0.25" size="0.2 0.2 0.25" rgba="1 0 0 1"/>
    <geom type="sphere" pos="0.9 0.9 0.1" size="0.05" rgba="0 1 0 1" group="4"/>
  </worldbody></mujoco>`);
  sim.forward();
  const cam = new RayCamera(sim, 'top', { width: 32, height: 32 });
  const f = cam.render();
  const up = shadeFactor([0, 0, 1]);
  const px = (r: number, c: number) => [...f.rgb.subarray(3 * (r * 32 + c), 3 * (r * 32 + c) + 3)];
  assert.deepEqual(px(16, 16), [Math.round(255 * up), 0, 0]);
  assert.ok(Math.abs(f.depth[16 * 32 + 16]! - 1.5) < 1e-6, `depth ${f.depth[16 * 32 + 16]}`);
  const grey = Math.round(0.5 * up * 255);
  assert.deepEqual(px(0, 0), [grey, grey, grey]);
  // Floor depth at a corner pixel: 2 m along the axis regardless of the ray's slant.
  assert.ok(Math.abs(f.depth[0]! - 2) < 1e-6);
  // Group 4 is hidden by default: no green anywhere.
  for (let i = 0; i < 32 * 32; i++) assert.notDeepEqual([f.rgb[3 * i], f.rgb[3 * i + 1], f.rgb[3 * i + 2]], [0, Math.round(255 * up), 0]);
  assert.deepEqual(cam.render().rgb, f.rgb);
  cam.dispose();
  assert.throws(() => new RayCamera(sim, 'nope'), ModelLoadError);
  sim.dispose();
});

test('RayCamera shades with the model\'s first light when it has one (scenes can move the light)', async () => {
  const scene = (light: string) => `<mujoco><worldbody>${light}
    <camera name="top" pos="0 0 2" xyaxes="1 0 0 0 1 0" fovy="30"/>
    <geom type="plane" size="2 2 0.1" rgba="0.8 0.6 0.4 1"/></worldbody></mujoco>`;
  const centre = async (light: string) => {
    const sim = await Sim.fromMjcf(scene(light));
    sim.forward();
    const cam = new RayCamera(sim, 'top', { width: 8, height: 8 });
    const px = Array.from(cam.render().rgb.subarray(3 * (4 * 8 + 4), 3 * (4 * 8 + 4) + 3));
    cam.dispose();
    sim.dispose();
    return px;
  };
  const expect = (shade: number) => [0.8, 0.6, 0.4].map((c) => Math.min(255, Math.round(c * shade * 255)));
  // No light: the default direction; straight down: full diffuse; 60° off vertical: half of it.
  assert.deepEqual(await centre(''), expect(shadeFactor([0, 0, 1])));
  assert.deepEqual(await centre('<light dir="0 0 -1" directional="true"/>'), expect(0.45 + 0.55));
  assert.deepEqual(await centre(`<light dir="${Math.sin(Math.PI / 3)} 0 ${-Math.cos(Math.PI / 3)}" directional="true"/>`), expect(0.45 + 0.55 * 0.5));
});
