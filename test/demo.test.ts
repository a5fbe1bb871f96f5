import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemoWorldInThread, worldModelSection } from '../src/node/demo-thread.ts';
import type { DemoRecipe } from '../src/node/demo-world.ts';
import { renderReport } from '../src/eval/report.ts';
import { planEpisodes } from '../src/node/plan-run.ts';

const tmp = mkdtempSync(join(tmpdir(), 'umwelt-demo-'));
// A tiny recipe: the whole pipeline in seconds (the numbers mean nothing at this size).
const tiny: DemoRecipe = { expertEpisodes: 6, playEpisodes: 2, steps: 4, model: { proprio: true, idmWeight: 1, temporalWeight: 0.5, reachTimeWeight: 1 }, heldoutEpisodes: 3, planEpisodes: 1, planner: { samples: 8, iterations: 1, horizon: 3 } };

test('demo pipeline in a worker thread: collect → train → score → plan → dream strip → report; a re-run resumes', async () => {
  const out = join(tmp, 'two-room');
  const stages = new Set<string>();
  const r = await runDemoWorldInThread({ world: 'two-room', out, recipe: tiny }, (p) => stages.add(p.stage));
  for (const s of ['collect', 'collect held-out', 'train world model', 'plan on held-out scenes']) assert.ok(stages.has(s), `progress for ${s}: ${[...stages]}`);
  assert.equal(r.data.train.episodes, 8);
  assert.equal(r.data.heldout.episodes, 3);
  assert.deepEqual(r.data.collected.map((c) => c.policy), ['noisy-expert', 'play']);
  assert.equal(r.train.steps, 4);
  assert.ok(r.eval.k_step['1']!.ratio > 0 && r.eval.probe.targets.length === 2);
  assert.equal(r.plan.episodes, 1);
  assert.equal(r.plan.planner.energy, 'reach-time');
  assert.deepEqual(Object.keys(r.plan.baselines).sort(), ['oracle', 'random']);
  assert.ok(r.dream.real.length > 0 && r.dream.real.length === r.dream.dream.length);
  assert.ok([...r.dream.real, ...r.dream.dream].every((u) => u.startsWith('data:image/png;base64,')));
  assert.equal(r.ledger.length, 1);
  assert.ok(r.ledger[0]!.flops > 0);

  const section = worldModelSection(r);
  assert.ok(section.compute.length === 2 && section.compute.every((c) => c.flops > 0 && c.usd > 0));
  const html = renderReport({ title: 't', subtitle: 's', footer: 'f', sections: [{ world: 'two-room', description: 'd', successRule: 'x', heldoutDiffers: 'y', task: 'z', rows: [r.plan], strip: [], stripCaption: '', worldModel: section }] });
  for (const s of ['JEPA world model', 'Dream vs reality', 'latent error ÷ copy-last', '<svg']) assert.ok(html.includes(s), s);

  // Re-run: nothing collected again, training already done (resumes at its last step).
  const again = await runDemoWorldInThread({ world: 'two-room', out, recipe: tiny });
  assert.deepEqual(again.data.collected, []);
  assert.equal(again.ledger.length, 1, 'no second training entry');
});

test('demo pipeline with the map recipe: wall-pushing play, frame skip, keypoints, min energy + revisit cost', async () => {
  const map: DemoRecipe = {
    expertEpisodes: 4, playEpisodes: 1, holdPlayEpisodes: 2, steps: 3,
    model: { latent: 'map', readout: 'keypoints', centerImages: true, idmWeight: 2, idmGap: 2, temporalWeight: 0, planRolloutWeight: 1, frameSkip: 3, mapHidden: 16 },
    heldoutEpisodes: 3, planEpisodes: 1, planner: { samples: 8, iterations: 1, horizon: 6, energy: 'min', revisit: 0.3 },
  };
  const r = await runDemoWorldInThread({ world: 'two-room', out: join(tmp, 'map'), recipe: map });
  assert.equal(r.data.train.episodes, 7, 'expert + play + hold-play episodes');
  assert.deepEqual(r.data.collected.map((c) => c.policy), ['noisy-expert', 'play', 'play']);
  assert.equal(r.plan.planner.energy, 'min');
  assert.equal(r.plan.planner.revisit.weight, 0.3);
  assert.equal(r.plan.planner.chunk, 3, 'the planner holds each action for the model\'s frame skip');
  // The dream strip steps every 3rd frame: its real frames are frames 6, 9, … of the episode.
  assert.ok(r.dream.real.length > 0 && r.dream.real.length === r.dream.dream.length, `strip of ${r.dream.real.length}`);
  assert.match(r.dream.caption, /steps 6–\d+, every 3 steps/, r.dream.caption);
  assert.match(worldModelSection(r).notes, /wall-pushing play; images only; an 8×8 latent map read out as keypoints/, worldModelSection(r).notes);
});

test('plan: episodes planned on two threads are the episodes planned on one (each restarts from its seed)', async () => {
  const run = join(tmp, 'two-room', 'world-model'); // trained by the first test
  const base = { run, world: 'two-room', split: 'heldout' as const, episodes: 3, seed: 0, baselines: false, planner: { samples: 8, iterations: 1, horizon: 3 } };
  const one = await planEpisodes(base);
  const two = await planEpisodes({ ...base, plannerWorkers: 2 });
  assert.deepEqual(two.per_episode, one.per_episode);
  assert.deepEqual(two.seeds, [0, 1, 2]);
  assert.equal(two.compute.units, 2);
  assert.equal(two.compute.flops, one.compute.flops, 'FLOPs summed over the threads');
  await assert.rejects(planEpisodes({ ...base, run: join(tmp, 'nope'), plannerWorkers: 2 }), /nope/);
  await assert.rejects(planEpisodes({ ...base, device: 'webgpu', plannerWorkers: 2 }), /planner workers need --device wasm/);
});

test('demo pipeline errors come back as one-line errors', async () => {
  await assert.rejects(runDemoWorldInThread({ world: 'no-such-world', out: join(tmp, 'bad'), recipe: tiny }), /no-such-world: unknown world 'no-such-world'/);
});
