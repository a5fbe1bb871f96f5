import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePlans } from '../bench/merge-plans.ts';

/** A plan --json output for seeds [first, first + n) with the given successes per seed. */
function chunk(run: string, split: string, first: number, wins: boolean[], spa: number) {
  const seeds = wins.map((_, i) => first + i);
  return {
    split, episodes: wins.length, successes: wins.filter(Boolean).length, seeds,
    seconds_per_action: spa, mean_episode_steps: 50,
    world_model: { run, step: 100 },
    baselines: { random: { successes: 0, episodes: wins.length }, oracle: { successes: wins.length, episodes: wins.length } },
    per_episode: seeds.map((seed, i) => ({ seed, success: wins[i]!, steps: 50, return: -1, final_state: [0, 0, 0, 0] })),
  };
}

test('merge-plans: consecutive chunks join into one row, a seed gap or another split starts a new one', () => {
  const rows = mergePlans([
    chunk('r', 'heldout', 4, [true, false, false, true], 0.3),
    chunk('r', 'heldout', 0, [true, true, false, false], 0.5),
    chunk('r', 'heldout', 25, [false, true], 0.4),
    chunk('r', 'train', 300000, [true], 0.2),
    chunk('q', 'heldout', 0, [false], 0.2),
  ]);
  assert.deepEqual(rows.map((r) => [r.run, r.split, r.first_seed, r.episodes, r.successes]), [
    ['q', 'heldout', 0, 1, 0],
    ['r', 'heldout', 0, 8, 4],
    ['r', 'heldout', 25, 2, 1],
    ['r', 'train', 300000, 1, 1],
  ]);
  const r = rows[1]!;
  assert.deepEqual(r.per_episode.map((e) => e.seed), [0, 1, 2, 3, 4, 5, 6, 7], 'episodes in seed order');
  assert.equal(r.random, 0);
  assert.equal(r.oracle, 8);
  assert.ok(Math.abs(r.seconds_per_action - 0.4) < 1e-12, 'equal steps: the mean of 0.5 and 0.3');
  assert.ok(r.ci95[0] < 0.5 && r.ci95[1] > 0.5);
});
