import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorldEnv } from '../src/env/world-env.ts';
import { ActionError, InputError } from '../src/errors.ts';
import { makePolicy } from '../src/experts/index.ts';
import { runEpisode } from '../src/eval/rollout.ts';
import { Rng } from '../src/rng.ts';
import { WORLD_NAMES, getWorld } from '../src/worlds/index.ts';
import { AGENT_R, SUCCESS_R as ROOM_R, WALL_T, type TwoRoomScene } from '../src/worlds/two-room.ts';
import { SUCCESS_R as REACH_R, inverseKinematics, type ReachScene } from '../src/worlds/reach.ts';

for (const name of WORLD_NAMES) {
  const world = getWorld(name);

  test(`${name}: train and heldout scenes never overlap`, () => {
    for (const split of ['train', 'heldout'] as const) {
      for (let seed = 0; seed < 300; seed++) {
        const s = world.sampleScene(split, seed);
        assert.equal(world.splitOf(s), split, `${split} seed ${seed} classified as ${world.splitOf(s)}`);
      }
    }
  });

  test(`${name}: same split/seed/actions give identical observation bytes and state`, async () => {
    const run = async () => {
      const env = await WorldEnv.create(world);
      const rng = new Rng(42, 'test-actions');
      let { obs } = env.reset({ seed: 7, split: 'heldout' });
      const images: Buffer[] = [];
      const key = `observation.images.${world.cameras[0]}` as const;
      for (let t = 0; t < 15; t++) {
        const r = env.step(world.actionNames.map(() => rng.uniform(-1, 1)));
        obs = r.obs;
        images.push(Buffer.from(obs[key]!));
        if (r.terminated || r.truncated) break;
      }
      const state = Buffer.from(env.sim.getState().buffer);
      env.close();
      return { images: Buffer.concat(images), state, task: obs.task };
    };
    const a = await run();
    const b = await run();
    assert.ok(a.images.length > 0);
    assert.ok(a.images.equals(b.images));
    assert.ok(a.state.equals(b.state));
    assert.equal(a.task, b.task);
    assert.ok(a.task.length > 0);
  });

  test(`${name}: bad actions throw ActionError`, async () => {
    const env = await WorldEnv.create(world, { images: false });
    env.reset({ seed: 0 });
    const n = world.actionNames.length;
    assert.throws(() => env.step(new Array(n + 1).fill(0)), ActionError);
    assert.throws(() => env.step([]), ActionError);
    assert.throws(() => env.step(new Array(n).fill(Number.NaN)), /finite/);
    assert.throws(() => env.step(new Array(n).fill(Infinity)), ActionError);
    // Out-of-range values are clipped, not rejected.
    assert.doesNotThrow(() => env.step(new Array(n).fill(5)));
    env.close();
  });
}

test('unknown world and policy names list the valid ones', () => {
  assert.throws(() => getWorld('nope'), (e: unknown) => e instanceof InputError && /two-room/.test(e.hint ?? ''));
  assert.throws(() => makePolicy('nope', 'reach'), (e: unknown) => e instanceof InputError && /noisy-expert/.test(e.hint ?? ''));
});

test('two-room: success check on constructed states', async () => {
  const env = await WorldEnv.create(getWorld('two-room'), { images: false });
  env.reset({ seed: 3, split: 'heldout' });
  const s = env.scene as TwoRoomScene;
  const q = env.sim.data.qpos;
  const ctx = env.ctx;
  q[0] = s.target[0] + 0.9 * ROOM_R; q[1] = s.target[1];
  assert.equal(env.world.success(ctx), true);
  q[0] = s.target[0] + 1.1 * ROOM_R;
  assert.equal(env.world.success(ctx), false);
  env.close();
});

test('two-room: an agent pressing into the wall slides along it at the commanded speed (frictionless walls)', async () => {
  const env = await WorldEnv.create(getWorld('two-room'), { images: false });
  for (const seed of [1, 2, 3]) {
    env.reset({ seed, split: 'train' });
    const s = env.scene as TwoRoomScene;
    // Start against the dividing wall's left face, 0.2 m beyond the door's edge, and slide away from the door.
    const dir = s.doorY > 0 ? -1 : 1;
    const y0 = s.doorY + dir * (s.doorW / 2 + 0.2);
    const q = env.sim.data.qpos;
    q[0] = s.wallX - WALL_T / 2 - AGENT_R - 0.005; q[1] = y0;
    let state = env.step(Float64Array.from([1, 0])).obs['observation.state']!;
    const yStart = state[1]!;
    for (let t = 0; t < 8; t++) state = env.step(Float64Array.from([1, 0.5 * dir])).obs['observation.state']!;
    const slid = (state[1]! - yStart) * dir;
    // Commanded: 8 steps × 0.1 s × 0.5 m/s = 0.4 m; friction at the wall used to cut this ~10×.
    assert.ok(slid > 0.3 && slid < 0.45, `seed ${seed}: slid ${slid.toFixed(3)} m along the wall, expected ≈ 0.4 m`);
    assert.ok(state[0]! < s.wallX - WALL_T / 2, `seed ${seed}: the agent went through the wall (x ${state[0]!.toFixed(3)})`);
  }
  env.close();
});

test('reach: success check on constructed states (IK solutions touch the target)', async () => {
  const env = await WorldEnv.create(getWorld('reach'), { images: false });
  env.reset({ seed: 5, split: 'heldout' });
  const s = env.scene as ReachScene;
  const sols = inverseKinematics(s.target[0], s.target[1]);
  assert.ok(sols && sols.length === 2);
  const q = env.sim.data.qpos;
  for (const [q1, q2] of sols) {
    q[0] = q1; q[1] = q2;
    assert.equal(env.world.success(env.ctx), true);
  }
  // Rotate the shoulder so the tip moves ~2× the threshold away.
  q[0] = sols[0]![0] + (2 * REACH_R) / s.targetRadius;
  assert.equal(env.world.success(env.ctx), false);
  env.close();
});

for (const name of ['two-room', 'reach']) {
  test(`${name}: expert succeeds and random mostly fails on held-out seeds`, async () => {
    const env = await WorldEnv.create(getWorld(name), { images: false });
    const expert = makePolicy('expert', name);
    const random = makePolicy('random', name);
    let e = 0, r = 0;
    for (let seed = 100; seed < 120; seed++) {
      if (runEpisode(env, expert, { seed, split: 'heldout' }).success) e++;
      if (runEpisode(env, random, { seed, split: 'heldout' }).success) r++;
    }
    env.close();
    assert.ok(e >= 19, `expert ${e}/20`);
    assert.ok(r <= 5, `random ${r}/20`);
  });
}

test('resets, forks and cameras free their MuJoCo memory (WASM heap stays flat)', async () => {
  const env = await WorldEnv.create(getWorld('push-t'));
  const cycle = (i: number) => {
    env.reset({ seed: i, split: 'train' });
    env.step([0.1, 0.2]);
    const f = env.sim.fork();
    f.step(2);
    f.dispose();
  };
  for (let i = 0; i < 50; i++) cycle(i);
  const heap = env.sim.data.qpos.buffer.byteLength;
  for (let i = 50; i < 600; i++) cycle(i);
  assert.equal(env.sim.data.qpos.buffer.byteLength, heap);
  env.close();
});

test('play policy: each random action is held for a run of steps within the hold range', () => {
  const env = { spec: { action: { names: ['x', 'y'] } } } as unknown as WorldEnv;
  const runs = (hold?: [number, number]) => {
    const p = makePolicy('play', 'two-room', hold ? { hold } : {});
    p.reset(env, 7);
    const lens: number[] = [];
    let prev = '', n = 0;
    for (let t = 0; t < 2000; t++) {
      const a = Array.from(p.act({} as never, env)).join(',');
      if (a !== prev && n > 0) { lens.push(n); n = 0; }
      prev = a;
      n++;
    }
    return lens;
  };
  const def = runs(), long = runs([10, 40]);
  assert.ok(def.every((l) => l >= 3 && l <= 10), `default runs ${Math.min(...def)}..${Math.max(...def)}`);
  assert.ok(long.every((l) => l >= 10 && l <= 40), `long runs ${Math.min(...long)}..${Math.max(...long)}`);
  assert.ok(Math.max(...long) >= 35 && Math.min(...long) <= 15, 'the range is covered, not one fixed length');
  assert.ok(runs([5, 5]).every((l) => l === 5));
  assert.throws(() => makePolicy('play', 'two-room', { hold: [4, 2] }), /play hold 4-2/);
});
