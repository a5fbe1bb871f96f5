import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorldEnv } from '../src/env/world-env.ts';
import { PushTExpert } from '../src/experts/push-t.ts';
import { ANG_TOL, HALF, POS_TOL, PUSHER_R, T_RADIUS, poseError, pushT, tDistance } from '../src/worlds/push-t.ts';

test('push-t: train and heldout scenes never overlap, and scenes are valid', () => {
  for (const split of ['train', 'heldout'] as const) {
    for (let seed = 0; seed < 100; seed++) {
      const s = pushT.sampleScene(split, seed);
      assert.equal(pushT.splitOf(s), split, `${split} seed ${seed}`);
      assert.deepEqual(pushT.sampleScene(split, seed), s, 'deterministic in (split, seed)');
      // The T starts inside the arena with room around it, the pusher clear of it.
      assert.ok(Math.abs(s.block[0]) + T_RADIUS < HALF - 0.05 && Math.abs(s.block[1]) + T_RADIUS < HALF - 0.05);
      assert.ok(Math.abs(s.target[0]) + T_RADIUS < HALF - 0.1 && Math.abs(s.target[1]) + T_RADIUS < HALF - 0.1);
      assert.ok(tDistance(s.block, s.pusher[0], s.pusher[1]) > PUSHER_R + 0.02);
      const [ep, ea] = poseError(s.block, s.target);
      assert.ok(ep > 2 * POS_TOL || ea > 2 * ANG_TOL, 'not already solved');
    }
  }
  // Parameter sets differ: no train scene's target/colour/friction appears in heldout.
  const key = (split: 'train' | 'heldout', seed: number) => {
    const s = pushT.sampleScene(split, seed);
    return `${s.target.join(',')}|${s.blockHue}|${s.friction}`;
  };
  const train = new Set(Array.from({ length: 100 }, (_, i) => key('train', i)));
  for (let i = 0; i < 100; i++) assert.ok(!train.has(key('heldout', i)));
});

test('push-t: success needs both position and angle within tolerance', async () => {
  const env = await WorldEnv.create(pushT, { images: false });
  try {
    env.reset({ seed: 7, split: 'heldout' });
    const t = env.scene.target;
    const place = (x: number, y: number, a: number) => {
      const q = env.sim.data.qpos;
      q[2] = x; q[3] = y; q[4] = a;
      env.sim.forward();
      return { success: pushT.success(env.ctx), reward: pushT.reward(env.ctx) };
    };
    assert.equal(pushT.success(env.ctx), false, 'initial state is not a success');
    const at = place(t[0], t[1], t[2]);
    assert.equal(at.success, true);
    assert.ok(Math.abs(at.reward) < 1e-9);
    assert.equal(place(t[0] + 2 * POS_TOL, t[1], t[2]).success, false);
    assert.equal(place(t[0], t[1] - 2 * POS_TOL, t[2]).success, false);
    assert.equal(place(t[0], t[1], t[2] + 2 * ANG_TOL).success, false);
    assert.equal(place(t[0], t[1], t[2] - 2 * ANG_TOL).success, false);
    // A full turn is the same pose.
    assert.equal(place(t[0] + 0.5 * POS_TOL, t[1], t[2] + 2 * Math.PI + 0.5 * ANG_TOL).success, true);
    assert.ok(place(t[0] + 2 * POS_TOL, t[1], t[2]).reward < place(t[0] + POS_TOL, t[1], t[2]).reward);
  } finally {
    env.close();
  }
});

test('push-t: same seed and actions give identical images', async () => {
  const run = async () => {
    const env = await WorldEnv.create(pushT, { size: 48 });
    try {
      let { obs } = env.reset({ seed: 3, split: 'train' });
      const start = Array.from(obs['observation.state']);
      const frames: Uint8Array[] = [obs['observation.images.top']!];
      for (let i = 0; i < 25; i++) {
        // Drive towards the block so the run includes contact.
        const [px, py, bx, by] = Array.from(obs['observation.state']);
        const dx = bx! - px!, dy = by! - py!, n = Math.hypot(dx, dy) || 1;
        obs = env.step([dx / n, dy / n]).obs;
        frames.push(obs['observation.images.top']!);
      }
      return { frames, start, state: Array.from(obs['observation.state']) };
    } finally {
      env.close();
    }
  };
  const a = await run();
  const b = await run();
  assert.deepEqual(a.state, b.state);
  a.frames.forEach((f, i) => assert.ok(Buffer.from(f).equals(Buffer.from(b.frames[i]!)), `frame ${i}`));
  assert.ok(!Buffer.from(a.frames[0]!).equals(Buffer.from(a.frames.at(-1)!)), 'the scene changed');
  assert.ok(Math.hypot(a.state[2]! - a.start[2]!, a.state[3]! - a.start[3]!) > 0.05, 'the pusher moved the block');
});

test('push-t: the expert solves held-out scenes', async () => {
  const env = await WorldEnv.create(pushT, { images: false });
  const expert = new PushTExpert();
  let wins = 0;
  try {
    for (let seed = 0; seed < 4; seed++) {
      let { obs } = env.reset({ seed, split: 'heldout' });
      expert.reset(env, seed);
      for (;;) {
        const r = env.step(expert.act(obs, env));
        obs = r.obs;
        if (r.terminated || r.truncated) {
          if (r.info.success) wins++;
          break;
        }
      }
    }
  } finally {
    env.close();
  }
  assert.ok(wins >= 3, `expert solved ${wins}/4`);
});
