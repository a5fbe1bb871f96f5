import { test } from 'node:test';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRobotDescriptor } from '../src/node/robot-descriptor.ts';
import { InputError } from '../src/errors.ts';
import { writeArmRobot } from './fixtures.ts';
import { collectDataset } from '../src/node/collect.ts';
import { openDataset } from '../src/data/reader.ts';
import assert from 'node:assert/strict';
import { WorldEnv } from '../src/env/world-env.ts';
import { makePolicy } from '../src/experts/index.ts';
import { NoisyExpert } from '../src/experts/policy.ts';
import { ManipulationExpert } from '../src/experts/manipulation.ts';
import { runEpisode } from '../src/eval/rollout.ts';
import { getWorld } from '../src/worlds/index.ts';
import { bodyPos, controllerOf } from '../src/worlds/manipulation.ts';
import { BUILTIN_ROBOTS } from '../src/worlds/robots/robot.ts';
import { EE_STEP } from '../src/worlds/robots/control.ts';
import type { TabletopScene } from '../src/worlds/tasks/tabletop.ts';
import { COLOURS, TARGET_SHAPES, comboSplit } from '../src/worlds/tasks/tabletop.ts';

const ROBOTS = ['arm4', 'arm6', 'gantry'];

test('pick-place splits: every colour and every shape appears in training; held-out combinations never do', () => {
  const world = getWorld('arm4/pick-place');
  const seen = new Set<string>();
  for (let seed = 0; seed < 300; seed++) {
    const s = world.sampleScene('train', seed) as TabletopScene;
    for (const o of s.objects) {
      const key = `${o.colour}/${o.shape}`;
      seen.add(key);
      assert.equal(comboSplit(o.colour, TARGET_SHAPES.indexOf(o.shape)), 'train', `train scene ${seed} shows held-out ${key}`);
    }
  }
  COLOURS.forEach((_, c) => assert.ok([...seen].some((k) => k.startsWith(`${c}/`)), `colour ${c} never in training`));
  TARGET_SHAPES.forEach((sh) => assert.ok([...seen].some((k) => k.endsWith(`/${sh}`)), `shape ${sh} never in training`));
  const held = world.sampleScene('heldout', 3) as TabletopScene;
  assert.notEqual(held.task, (world.sampleScene('train', 3) as TabletopScene).task);
});

for (const name of ROBOTS) {
  test(`${name}: the end-effector controller moves the hand by the commanded step and keeps the grasp axis down`, async () => {
    const env = await WorldEnv.create(getWorld(`${name}/pick-place`), { images: false });
    env.reset({ seed: 2, split: 'train' });
    const robot = BUILTIN_ROBOTS[name]!();
    const ctl = controllerOf(env.sim, robot);
    for (const [axis, a] of [[0, 0.5], [1, -0.5], [2, 0.5], [2, -0.5]] as const) {
      const before = ctl.ee().pos;
      const act = [0, 0, 0, 0, -1];
      act[axis] = a;
      env.step(act);
      env.step([0, 0, 0, 0, -1]); // let the position servos settle
      const after = ctl.ee().pos;
      const moved = after[axis]! - before[axis]!;
      assert.ok(Math.abs(moved - a * EE_STEP) < 0.004, `axis ${axis}: moved ${moved.toFixed(4)} m for ${(a * EE_STEP).toFixed(4)}`);
      const off = [0, 1, 2].filter((k) => k !== axis).map((k) => Math.abs(after[k]! - before[k]!));
      assert.ok(Math.max(...off) < 0.004, `axis ${axis}: drift ${off.map((v) => v.toFixed(4))}`);
      const tilt = Math.acos(Math.min(1, -ctl.ee().axis[2]));
      assert.ok(tilt < (5 * Math.PI) / 180, `grasp axis ${((tilt * 180) / Math.PI).toFixed(1)}° off vertical`);
    }
    env.close();
  });

  test(`${name}: expert picks and places on held-out scenes (small sample)`, async () => {
    const world = getWorld(`${name}/pick-place`);
    const env = await WorldEnv.create(world, { images: false });
    const expert = makePolicy('expert', world.name);
    let ok = 0;
    for (let seed = 0; seed < 6; seed++) ok += runEpisode(env, expert, { seed, split: 'heldout' }).success ? 1 : 0;
    env.close();
    assert.ok(ok >= 5, `${ok}/6`);
  });
}

test('pick-place success on constructed states: the target inside the bin succeeds, outside or a distractor inside does not', async () => {
  const env = await WorldEnv.create(getWorld('arm4/pick-place'), { images: false });
  env.reset({ seed: 4, split: 'train' });
  const s = env.scene as TabletopScene;
  const put = (name: string, x: number, y: number, z: number) => {
    const adr = env.sim.model.jnt_qposadr[env.sim.id('joint', name)]!;
    env.sim.data.qpos[adr] = x; env.sim.data.qpos[adr + 1] = y; env.sim.data.qpos[adr + 2] = z;
    env.sim.forward();
  };
  const [bx, by] = s.bins[0]!.pos;
  assert.equal(env.world.success(env.ctx), false);
  put(s.objects[1]!.name, bx, by, 0.03);
  assert.equal(env.world.success(env.ctx), false, 'a distractor in the bin is not success');
  put(s.objects[0]!.name, bx + s.bins[0]!.half + 0.02, by, 0.03);
  assert.equal(env.world.success(env.ctx), false, 'just outside the wall');
  put(s.objects[0]!.name, bx + 0.5 * s.bins[0]!.half, by, 0.03);
  assert.equal(env.world.success(env.ctx), true);
  put(s.objects[0]!.name, bx, by, 0.2);
  assert.equal(env.world.success(env.ctx), false, 'above the bin, not in it');
  env.close();
});

test('takeover: from states a noisy policy reached midway, the expert finishes the task (≥ 80 %)', async () => {
  const world = getWorld('arm4/pick-place');
  const robot = BUILTIN_ROBOTS.arm4!();
  const env = await WorldEnv.create(world, { images: false });
  const expert = new ManipulationExpert(robot, 'ee');
  const noisy = new NoisyExpert(new ManipulationExpert(robot, 'ee'), { sigma: 0.8, segmentProb: 0.3 });
  let recovered = 0, n = 10;
  for (let seed = 0; seed < n; seed++) {
    let { obs } = env.reset({ seed, split: 'heldout' });
    noisy.reset(env, seed);
    let done = false;
    for (let t = 0; t < 20 && !done; t++) { const r = env.step(noisy.act(obs, env)); obs = r.obs; done = r.terminated || r.truncated; }
    for (let t = 0; !done; t++) { const r = env.step(expert.act(obs, env)); obs = r.obs; done = r.terminated || r.truncated; if (r.info.success) recovered++; }
  }
  env.close();
  assert.ok(recovered >= 0.8 * n, `recovered ${recovered}/${n}`);
});

test('joint-action worlds: the same expert through joint targets; actions name the joints', async () => {
  const world = getWorld('gantry/pick-place@joint');
  assert.deepEqual(world.actionNames, ['x', 'y', 'z', 'twist', 'gripper']);
  const env = await WorldEnv.create(world, { images: false });
  const r = runEpisode(env, makePolicy('expert', world.name), { seed: 1, split: 'heldout' });
  assert.ok(r.success);
  const o = bodyPos(env.sim, (env.scene as TabletopScene).objects[0]!.name);
  assert.ok(Number.isFinite(o[0]));
  env.close();
  assert.throws(() => getWorld('arm4/pick-place@nope'), /unknown world/);
});

test('any MJCF robot from a JSON descriptor (meshes, includes, default classes): loads, moves in EE mode, runs the task', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umwelt-robot-'));
  const robot = await loadRobotDescriptor(writeArmRobot(dir));
  const world = getWorld(`${robot.name}/pick-place`);
  assert.deepEqual(world.cameras, ['front', 'wrist']);
  assert.deepEqual(world.stateNames.slice(0, 4), ['j_yaw', 'j_shoulder', 'j_elbow', 'j_wrist']);
  const env = await WorldEnv.create(world, { images: true });
  const { obs } = env.reset({ seed: 0, split: 'heldout' });
  assert.equal(obs['observation.images.wrist']!.length, 64 * 64 * 3);
  const ctl = controllerOf(env.sim, robot);
  const z0 = ctl.ee().pos[2];
  env.step([0, 0, 0.5, 0, -1]);
  env.step([0, 0, 0, 0, -1]);
  assert.ok(Math.abs(ctl.ee().pos[2] - z0 - 0.5 * EE_STEP) < 0.004, `moved ${(ctl.ee().pos[2] - z0).toFixed(4)}`);
  let ok = 0;
  for (let seed = 0; seed < 4; seed++) ok += runEpisode(env, makePolicy('expert', world.name), { seed, split: 'heldout' }).success ? 1 : 0;
  assert.ok(ok >= 2, `external arm + suction expert ${ok}/4`);
  env.close();
});

test('a descriptor robot\'s scenes do not depend on where its files live (seeded by its name, not its path)', async () => {
  const a = await loadRobotDescriptor(writeArmRobot(mkdtempSync(join(tmpdir(), 'umwelt-robot-a-'))));
  const b = await loadRobotDescriptor(writeArmRobot(mkdtempSync(join(tmpdir(), 'umwelt-robot-bbbbbbbbbbbb-'))));
  assert.notEqual(a.name, b.name);
  for (const task of ['pick-place', 'sort']) {
    for (const seed of [0, 7]) {
      const sa = getWorld(`${a.name}/${task}`).sampleScene('heldout', seed);
      const sb = getWorld(`${b.name}/${task}`).sampleScene('heldout', seed);
      assert.deepEqual(sa, sb);
    }
  }
});

test('a tendon-driven parallel gripper (MuJoCo Menagerie Panda style): opening read through the tendon, open and close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umwelt-robot-tendon-'));
  const robot = await loadRobotDescriptor(writeArmRobot(dir, { name: 'ext-tendon' }, { tendonGripper: true }));
  const world = getWorld(`${robot.name}/pick-place`);
  const g = world.stateNames.indexOf('gripper');
  assert.ok(g >= 0, world.stateNames.join(','));
  const env = await WorldEnv.create(world, { images: false });
  env.reset({ seed: 0, split: 'train' });
  let r;
  for (let i = 0; i < 15; i++) r = env.step([0, 0, 0, 0, -1]); // open: ctrl 255 → 4 cm per finger
  const open = r!.obs['observation.state']![g]!;
  for (let i = 0; i < 15; i++) r = env.step([0, 0, 0, 0, 1]); // closed: ctrl 0
  const closed = r!.obs['observation.state']![g]!;
  assert.ok(open > 0.03 && open < 0.041, `open ${open}`);
  assert.ok(closed < 0.005, `closed ${closed}`);
  env.close();
});

// A real robot description: MuJoCo Menagerie's Franka Panda (OBJ + STL meshes, default classes, a
// tendon-driven gripper). Opt-in because Menagerie is not vendored: UMWELT_MENAGERIE=/path/to/mujoco_menagerie.
const menagerie = process.env.UMWELT_MENAGERIE;
test('MuJoCo Menagerie Franka Panda from a descriptor: loads, renders both cameras, the expert picks and places', { skip: !menagerie || !existsSync(join(menagerie, 'franka_emika_panda', 'panda.xml')) ? 'set UMWELT_MENAGERIE to a mujoco_menagerie checkout' : false }, async () => {
  const desc = join(menagerie!, 'franka_emika_panda', 'umwelt-test-robot.json');
  writeFileSync(desc, JSON.stringify(PANDA_DESCRIPTOR));
  const robot = await loadRobotDescriptor(desc);
  const world = getWorld(`${robot.name}/pick-place`);
  const env = await WorldEnv.create(world, { images: true });
  const { obs } = env.reset({ seed: 0, split: 'heldout' });
  for (const cam of ['front', 'wrist']) assert.equal(obs[`observation.images.${cam}`]!.length, 64 * 64 * 3);
  let ok = 0;
  for (let seed = 0; seed < 3; seed++) ok += runEpisode(env, makePolicy('expert', world.name), { seed, split: 'heldout' }).success ? 1 : 0;
  assert.ok(ok >= 1, `Panda expert ${ok}/3`);
  env.close();
});

/** The descriptor docs/manipulation.md gives for Menagerie's Panda. */
const PANDA_DESCRIPTOR = {
  name: 'panda', mjcf: 'panda.xml',
  armJoints: ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'],
  ee: { body: 'hand', offset: [0, 0, 0.1034] },
  gripper: { actuators: ['actuator8'], open: 255, closed: 0 },
  wristCamera: { body: 'hand', pos: [0.06, 0, 0.02], xyaxes: [0, -1, 0, 1, 0, 0] },
  home: [0, 0, 0, -1.5708, 0, 1.5708, -0.7854],
  workspace: { rMin: 0.42, rMax: 0.62, maxAngle: 0.7 },
};

test('robot descriptor errors are one line: missing MJCF, invalid MJCF, unknown joint / body / actuator (listing the valid names)', async () => {
  const dir = (name: string) => mkdtempSync(join(tmpdir(), `umwelt-robot-${name}-`));
  await assert.rejects(loadRobotDescriptor(join(dir('none'), 'nope.json')), /robot descriptor not found/);
  await assert.rejects(loadRobotDescriptor(writeArmRobot(dir('mjcf'), { mjcf: 'gone.xml' })), (e: Error) => /MJCF file not found/.test(e.message) && !e.message.includes('\n'));
  const broken = dir('broken');
  const p = writeArmRobot(broken);
  writeFileSync(join(broken, 'arm.xml'), '<mujoco><worldbody><body><geom type="nonsense"/></body></worldbody></mujoco>');
  await assert.rejects(loadRobotDescriptor(p), (e: Error) => /could not load robot MJCF/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(loadRobotDescriptor(writeArmRobot(dir('joint'), { armJoints: ['j_yaw', 'j_bogus', 'j_elbow', 'j_wrist'] })),
    (e: InputError) => /unknown joint 'j_bogus'/.test(e.message) && /j_shoulder/.test(e.hint ?? ''));
  await assert.rejects(loadRobotDescriptor(writeArmRobot(dir('body'), { ee: { body: 'nope' } })),
    (e: InputError) => /ee body 'nope' is not in the MJCF/.test(e.message) && /wrist_link/.test(e.hint ?? ''));
  await assert.rejects(loadRobotDescriptor(writeArmRobot(dir('act'), { gripper: { actuators: ['nope'], open: 0, closed: 1 } })),
    (e: InputError) => /unknown actuator 'nope'/.test(e.message) && /suck/.test(e.hint ?? ''));
  await assert.rejects(loadRobotDescriptor(writeArmRobot(dir('shape'), { armJoints: 'j_yaw' })), /"armJoints" must be a non-empty list/);
});

test('sort and stack success on constructed states: only the named bin counts; on top of the named block, not beside it', async () => {
  const put = (env: WorldEnv, name: string, x: number, y: number, z: number) => {
    const adr = env.sim.model.jnt_qposadr[env.sim.id('joint', name)]!;
    env.sim.data.qpos[adr] = x; env.sim.data.qpos[adr + 1] = y; env.sim.data.qpos[adr + 2] = z;
    env.sim.forward();
  };
  const sort = await WorldEnv.create(getWorld('arm4/sort'), { images: false });
  sort.reset({ seed: 5, split: 'heldout' });
  const s = sort.scene as TabletopScene;
  assert.ok(s.bins.length >= 2 && 'bin' in s.dest);
  const named = s.bins[(s.dest as { bin: number }).bin]!, other = s.bins.find((b) => b !== named)!;
  assert.match(s.task, new RegExp(named.side));
  put(sort, s.objects[0]!.name, other.pos[0], other.pos[1], 0.03);
  assert.equal(sort.world.success(sort.ctx), false, 'the wrong bin');
  put(sort, s.objects[0]!.name, named.pos[0], named.pos[1], 0.03);
  assert.equal(sort.world.success(sort.ctx), true);
  sort.close();

  const stack = await WorldEnv.create(getWorld('gantry/stack'), { images: false });
  stack.reset({ seed: 2, split: 'train' });
  const t = stack.scene as TabletopScene;
  const base = t.objects[1]!, top = t.objects[0]!;
  const b = bodyPos(stack.sim, base.name);
  put(stack, top.name, b[0] + 0.1, b[1], top.restZ);
  assert.equal(stack.world.success(stack.ctx), false, 'beside the block');
  put(stack, top.name, b[0], b[1], b[2] + base.size[2]! + top.restZ);
  assert.equal(stack.world.success(stack.ctx), true);
  put(stack, top.name, b[0], b[1], b[2] + base.size[2]! + top.restZ + 0.05);
  assert.equal(stack.world.success(stack.ctx), false, 'held above, not resting');
  stack.close();
});

test('takeover collection: a perturbed expert, then the expert; the taken-over steps are recorded as intervention', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'umwelt-takeover-')), 'data');
  const s = await collectDataset({ world: 'gantry/pick-place', policy: 'takeover', split: 'heldout', seed: 0, episodes: 4, out, workers: 1 });
  assert.ok(s.success_rate >= 0.75, `takeover success ${s.success_rate}`);
  const ds = await openDataset(out);
  for (let e = 0; e < 4; e++) {
    const ep = await ds.readEpisode(e, { images: false });
    const first = ep.intervention.indexOf(true);
    assert.ok(first >= 10 && first <= 40, `handover at step ${first}`);
    assert.ok(ep.intervention.slice(0, first).every((x) => !x) && ep.intervention.slice(first).every((x) => x), 'perturbed steps, then only expert steps');
  }
});

test('insert: a socket 1–2 mm wider than the peg each side; success only inside it and deep enough', async () => {
  const env = await WorldEnv.create(getWorld('arm4/insert'), { images: false });
  for (const split of ['train', 'heldout'] as const) {
    for (let seed = 0; seed < 50; seed++) {
      const s = getWorld('arm4/insert').sampleScene(split, seed) as TabletopScene;
      const h = (s.dest as { hole: { half: number; clearance: number } }).hole;
      assert.ok(h.clearance >= 0.001 && h.clearance <= 0.002 && Math.abs(h.half - s.objects[0]!.size[0]! - h.clearance) < 1e-12);
    }
  }
  env.reset({ seed: 1, split: 'heldout' });
  const s = env.scene as TabletopScene;
  const h = (s.dest as { hole: { pos: [number, number]; half: number; height: number } }).hole;
  const peg = s.objects[0]!;
  const put = (x: number, y: number, z: number) => {
    const adr = env.sim.model.jnt_qposadr[env.sim.id('joint', peg.name)]!;
    env.sim.data.qpos[adr] = x; env.sim.data.qpos[adr + 1] = y; env.sim.data.qpos[adr + 2] = z;
    env.sim.forward();
  };
  put(h.pos[0], h.pos[1], peg.restZ);
  assert.equal(env.world.success(env.ctx), true, 'fully inserted');
  put(h.pos[0], h.pos[1], peg.restZ + 0.02);
  assert.equal(env.world.success(env.ctx), false, 'only 2 cm in');
  put(h.pos[0] + h.half + 0.005, h.pos[1], peg.restZ);
  assert.equal(env.world.success(env.ctx), false, 'beside the socket');
  env.close();
  assert.match(s.task, /peg/);
});
