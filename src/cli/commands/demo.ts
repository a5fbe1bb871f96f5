import type { Command } from 'commander';
import { encode } from 'fast-png';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { MultiBar } from 'cli-progress';
import { WorldEnv } from '../../env/world-env.ts';
import { makePolicy } from '../../experts/index.ts';
import { renderReport, type WorldSection } from '../../eval/report.ts';
import { runEpisode, summarize, type EvalSummary } from '../../eval/rollout.ts';
import { poolSize, runEpisodes } from '../../node/episode-pool.ts';
import { DEMO_RECIPES, type DemoWorldResult } from '../../node/demo-world.ts';
import { runDemoWorldInThread, worldModelSection } from '../../node/demo-thread.ts';
import { WORLD_NAMES, getWorld } from '../../worlds/index.ts';
import { pct, printJson, wholeNumber, writeOutput } from '../util.ts';

const STRIP_FRAMES = 8;
/** Worlds whose world model the demo trains and plans with (Push-T needs more data and compute than a CPU demo has). */
const WM_WORLDS = ['two-room', 'reach'] as const;

/** One expert episode on held-out seed 0, sampled into a strip of frames (PNG data URIs). */
async function frameStrip(world: string): Promise<{ strip: string[]; caption: string; task: string }> {
  const env = await WorldEnv.create(getWorld(world), { images: true, size: 64 });
  const frames: Uint8Array[] = [];
  try {
    const r = runEpisode(env, makePolicy('expert', world), { seed: 0, split: 'heldout', onFrame: (rgb) => frames.push(rgb) });
    const pick = Array.from({ length: Math.min(STRIP_FRAMES, frames.length) }, (_, i) =>
      frames[Math.round((i * (frames.length - 1)) / Math.max(1, Math.min(STRIP_FRAMES, frames.length) - 1))]!);
    const strip = pick.map((rgb) => `data:image/png;base64,${Buffer.from(encode({ width: 64, height: 64, data: rgb, channels: 3 })).toString('base64')}`);
    return { strip, task: env.scene.task, caption: `expert on held-out seed 0: ${r.steps} steps, ${r.success ? 'success' : 'failure'} (64×64 top camera)` };
  } finally {
    env.close();
  }
}

/** Scripted expert and random policies on held-out seeds 0…episodes−1 of each world. */
async function scriptedBaselines(worlds: string[], episodes: number, workers?: number): Promise<Record<string, EvalSummary[]>> {
  const out: Record<string, EvalSummary[]> = {};
  const seeds = Array.from({ length: episodes }, (_, i) => i);
  for (const name of worlds) {
    out[name] = [];
    for (const policy of ['expert', 'random']) {
      const t1 = performance.now();
      const rs = await runEpisodes({ world: name, policy, split: 'heldout', seeds, workers });
      out[name].push(summarize(name, getWorld(name).fps, policy, 'heldout', rs, (performance.now() - t1) / 1000, { device: 'cpu', units: poolSize(seeds.length, workers) }));
    }
  }
  return out;
}

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('the end-to-end main job: collect data, train JEPA world models for two-room and reach, plan on held-out scenes beside random and oracle, write report.html')
    .option('--out <dir>', 'output folder (datasets, runs, report.html; re-running resumes)', 'umwelt-demo')
    .option('--quick', 'smaller data, shorter training, fewer episodes (≈2.5 min; too short for two-room to learn)')
    .option('--episodes <n>', 'expert/random episodes per world for the baseline table (default 30, --quick 8)', wholeNumber('--episodes', 1))
    .option('--workers <n>', 'threads for the baseline episodes and for planning (default: CPU cores)', wholeNumber('--workers', 1))
    .option('--json', 'print the summary as one JSON object on stdout')
    .action(async (o: { out: string; quick?: boolean; episodes?: number; workers?: number; json?: boolean }) => {
      const episodes = o.episodes ?? (o.quick ? 8 : 30);
      const t0 = performance.now();
      const quick = Boolean(o.quick);

      // 1. One world-model pipeline per world, each in its own thread (one core each); a world
      //    that reaches planning may plan on every core (the other world is done or nearly so).
      //    The other worlds' scripted baselines start as soon as one pipeline ends, on the core it frees.
      const bars = new MultiBar({ format: '{world} {stage} [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true, clearOnComplete: true });
      const results: Record<string, DemoWorldResult> = {};
      const others = WORLD_NAMES.filter((n) => !(WM_WORLDS as readonly string[]).includes(n));
      let scripted: Promise<Record<string, EvalSummary[]>> | undefined;
      try {
        const handles = Object.fromEntries(WM_WORLDS.map((w) => [w, bars.create(1, 0, { world: w.padEnd(8), stage: 'starting' })]));
        const runs = WM_WORLDS.map((w) => runDemoWorldInThread({ world: w, out: join(o.out, w), recipe: quick ? DEMO_RECIPES[w]!.quick : DEMO_RECIPES[w]!.full, plannerWorkers: o.workers ?? availableParallelism() }, (p) => {
          const b = handles[w]!;
          b.setTotal(p.total);
          b.update(p.done, { stage: p.stage });
        }).then((r) => { results[w] = r; }));
        const first = Promise.race(runs).catch(() => undefined);
        scripted = first.then(() => scriptedBaselines(others, episodes, o.workers));
        await Promise.all(runs);
      } finally {
        bars.stop();
      }
      const baselineRows = await scripted;

      // 2. Sections: world-model worlds (planner, random, oracle) and the rest (expert vs random).
      const sections: WorldSection[] = [];
      const summary: Record<string, unknown> = {};
      for (const name of WORLD_NAMES) {
        const world = getWorld(name);
        const strip = await frameStrip(name);
        const wm = results[name];
        let rows: EvalSummary[];
        if (wm) {
          rows = [wm.plan, wm.plan.baselines.random!, wm.plan.baselines.oracle!];
          rows[0] = { ...rows[0]!, policy: `JEPA world model + ${wm.plan.planner.method.toUpperCase()}` };
          rows[2] = { ...rows[2]!, policy: 'oracle (scripted expert)' };
        } else {
          rows = baselineRows![name]!;
        }
        sections.push({
          world: name, description: world.description, successRule: world.successRule, heldoutDiffers: world.heldoutDiffers, task: strip.task, rows,
          strip: strip.strip, stripCaption: strip.caption, ...(wm ? { worldModel: worldModelSection(wm) } : {}),
        });
        summary[name] = {
          policies: Object.fromEntries(rows.map((r) => [r.policy, { success_rate: r.success_rate, ci95: r.ci95, episodes: r.episodes, seconds_per_action: r.seconds_per_action, cost_per_success_usd: r.compute.cost_per_success_usd }])),
          ...(wm ? { world_model: { eval: wm.eval, train_steps: wm.train.steps, train_seconds: wm.train.seconds, ledger: wm.ledger, planner: wm.plan.planner, seconds: wm.seconds, stage_seconds: wm.stage_seconds } } : {}),
        };
        if (!o.json) for (const r of rows) console.log(`${name.padEnd(18)} ${r.policy.padEnd(34)} heldout success ${pct(r.success_rate).padStart(6)}  (95% CI ${pct(r.ci95[0])}–${pct(r.ci95[1])}, n=${r.episodes})`);
      }
      const seconds = (performance.now() - t0) / 1000;
      const html = renderReport({
        title: 'umwelt demo report',
        subtitle: `JEPA world models trained here, on this machine, for two-room and reach, then used to plan on held-out scenes (layouts and colours never used for training or tuning), beside a random policy and the scripted oracle on the same seeds; Push-T shows its scripted expert vs random. ${quick ? 'Quick run (--quick): small data and short training. ' : ''}${availableParallelism()} CPU cores, ${seconds.toFixed(0)} s in all.`,
        sections,
        footer: `generated by umwelt demo on ${new Date().toISOString()}; node ${process.version}`,
      });
      const report = resolve(join(o.out, 'report.html'));
      writeOutput(report, html);
      writeOutput(join(o.out, 'summary.json'), JSON.stringify({ worlds: summary, quick, seconds }, null, 2));
      if (o.json) printJson({ worlds: summary, report, quick, seconds });
      else console.log(`report: ${report} (${seconds.toFixed(0)} s)`);
    });
}
