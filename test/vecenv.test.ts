import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorldEnv } from '../src/env/world-env.ts';
import { VecEnv } from '../src/node/vec-env.ts';
import { runEpisodes } from '../src/node/episode-pool.ts';
import { Rng } from '../src/rng.ts';
import { getWorld } from '../src/worlds/index.ts';
import { ActionError } from '../src/errors.ts';

test('VecEnv on 2 worker threads gives the same bytes as single-thread envs', async () => {
  const world = 'two-room';
  const n = 3;
  const seeds = [11, 12, 13];
  const steps = 12;
  const rng = new Rng(9, 'vec-actions');
  const actions = Array.from({ length: steps }, () => Array.from({ length: n }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]));
  const key = 'observation.images.top' as const;

  const local: Buffer[][] = [];
  for (let i = 0; i < n; i++) {
    const env = await WorldEnv.create(getWorld(world));
    const frames: Buffer[] = [Buffer.from(env.reset({ seed: seeds[i]!, split: 'heldout' }).obs[key]!)];
    for (let t = 0; t < steps; t++) {
      const r = env.step(actions[t]![i]!);
      frames.push(Buffer.from(r.obs[key]!), Buffer.from(r.obs['observation.state'].buffer));
      if (r.terminated || r.truncated) break;
    }
    local.push(frames);
    env.close();
  }

  const vec = await VecEnv.create(world, n, { workers: 2 });
  try {
    const remote: Buffer[][] = (await vec.reset(seeds.map((seed) => ({ seed, split: 'heldout' as const })))).map((r) => [Buffer.from(r!.obs[key]!)]);
    const live = [true, true, true];
    for (let t = 0; t < steps; t++) {
      const rs = await vec.step(actions[t]!.map((a, i) => (live[i] ? a : null)));
      rs.forEach((r, i) => {
        if (!r) return;
        remote[i]!.push(Buffer.from(r.obs[key]!), Buffer.from(r.obs['observation.state'].buffer));
        if (r.terminated || r.truncated) live[i] = false;
      });
    }
    for (let i = 0; i < n; i++) assert.ok(Buffer.concat(remote[i]!).equals(Buffer.concat(local[i]!)), `env ${i} differs`);
    // Errors in a worker arrive as the same typed error.
    await assert.rejects(vec.step([[0], [0, 0], [0, 0]]), ActionError);
  } finally {
    await vec.close();
  }
});

test('episode pool: parallel results equal the in-process results', async () => {
  const base = { world: 'reach', policy: 'noisy-expert', split: 'heldout' as const, seeds: [0, 1, 2, 3, 4] };
  const one = await runEpisodes({ ...base, workers: 1 });
  const two = await runEpisodes({ ...base, workers: 2 });
  const strip = (rs: typeof one) => rs.map((r) => [r.seed, r.success, r.steps, r.return]);
  assert.deepEqual(strip(two), strip(one));
});
