import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitStallModel, isStall, stallCopies } from '../src/train/stalls.ts';
import type { EpisodeData } from '../src/data/episode.ts';
import { Rng } from '../src/rng.ts';

/** Episodes whose position moves 0.1 × action per step, except at `blocked` steps (a wall: no motion along x). */
function fakeDataset(blocked: Set<number>) {
  const rng = new Rng(4, 'stall-test');
  const eps: Pick<EpisodeData, 'state' | 'action'>[] = [];
  for (let e = 0; e < 3; e++) {
    const state: Float32Array[] = [Float32Array.from([0, 0, 7])], action: Float32Array[] = [];
    for (let t = 0; t < 40; t++) {
      const a = Float32Array.from([rng.uniform(-1, 1), rng.uniform(-1, 1)]);
      action.push(a);
      const s = state[t]!, stop = e === 0 && blocked.has(t);
      state.push(Float32Array.from([s[0]! + (stop ? 0 : 0.1 * a[0]!), s[1]! + 0.1 * a[1]! * (stop ? 0.2 : 1), 7]));
    }
    action.push(new Float32Array(2));
    eps.push({ state, action });
  }
  return {
    eps,
    ds: {
      episodes: eps.map((_, i) => ({ episode_index: i, length: 41 })),
      features: { 'observation.state': { dtype: 'float32', shape: [3], names: ['agent_x', 'agent_y', 'battery'] }, action: { dtype: 'float32', shape: [2], names: ['vx', 'vy'] } },
      readEpisode: async (i: number) => eps[i] as EpisodeData,
    },
  };
}

test('stalls: the fitted action → displacement map finds exactly the steps where a large action did not move the agent', async () => {
  const blocked = new Set([5, 6, 7, 20, 31]);
  const { ds, eps } = fakeDataset(blocked);
  const m = await fitStallModel(ds as never);
  assert.deepEqual(m.dims, [0, 1], 'positions only (*_x, *_y)');
  const p = m.predict([1, -0.5]);
  assert.ok(Math.abs(p[0]! - 0.1) < 0.02 && Math.abs(p[1]! + 0.05) < 0.02, `fitted map ${p}`);
  const ep = eps[0]!;
  const big = (t: number) => Math.hypot(...m.predict(ep.action[t]!)) >= m.minPredicted;
  for (let t = 0; t < 40; t++) assert.equal(isStall(m, ep, t), blocked.has(t) && big(t), `step ${t}`);
  assert.ok([...blocked].some(big), 'some blocked step has a large action');
  for (let t = 0; t < 40; t++) assert.equal(isStall(m, eps[1]!, t), false, 'a free episode has no stall');
  // Window copies: a window of 4 frames covers steps start..start+2.
  const copies = stallCopies(m, 4, 5);
  const first = [...blocked].filter(big).sort((a, b) => a - b)[0]!;
  assert.equal(copies(ep, first), 5);
  assert.equal(copies(ep, first - 2), 5);
  assert.equal(copies(eps[1]!, 0), 1);
});
