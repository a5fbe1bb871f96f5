import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemoWorldInThread, worldModelSection } from '../src/node/demo-thread.ts';
import type { DemoRecipe } from '../src/node/demo-world.ts';
import { renderReport } from '../src/eval/report.ts';

const tmp = mkdtempSync(join(tmpdir(), 'umwelt-demo-'));
// A tiny recipe: the whole pipeline in seconds (the numbers mean nothing at this size).
const tiny: DemoRecipe = { expertEpisodes: 6, playEpisodes: 2, steps: 4, reachTime: 1, heldoutEpisodes: 3, planEpisodes: 1, planner: { samples: 8, iterations: 1, horizon: 3 } };

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

test('demo pipeline errors come back as one-line errors', async () => {
  await assert.rejects(runDemoWorldInThread({ world: 'no-such-world', out: join(tmp, 'bad'), recipe: tiny }), /no-such-world: unknown world 'no-such-world'/);
});
