/**
 * Merges `umwelt plan --json` outputs that cover one world model on consecutive seed ranges (the
 * chunks bench/device-plan.sh runs in parallel) into one row per (run, split, first seed):
 * planner, random and oracle successes with Wilson 95 % intervals, seconds per action, and the
 * per-episode rows. Usage:
 *   node --import tsx bench/merge-plans.ts FILE.json… [--json]
 * Each file's name does not matter; its JSON says which run, split and seeds it holds.
 */
import { readFileSync } from 'node:fs';
import { wilson } from '../src/eval/stats.ts';

interface PlanJson {
  split: string;
  episodes: number;
  successes: number;
  seeds: number[];
  seconds_per_action: number;
  mean_episode_steps: number;
  world_model: { run: string; step: number };
  baselines: Record<string, { successes: number; episodes: number }>;
  per_episode: { seed: number; success: boolean; steps: number; return: number; final_state: number[] }[];
}

export interface MergedPlan {
  run: string;
  step: number;
  split: string;
  first_seed: number;
  episodes: number;
  successes: number;
  ci95: [number, number];
  random: number;
  oracle: number;
  seconds_per_action: number;
  per_episode: PlanJson['per_episode'];
}

/**
 * Groups chunks by run and split, then joins chunks whose seeds continue one another into one
 * range (so `--seed 0 --episodes 25` split into chunks merges back into one row).
 */
export function mergePlans(plans: readonly PlanJson[]): MergedPlan[] {
  const byKey = new Map<string, PlanJson[]>();
  for (const p of plans) {
    const key = `${p.world_model.run}\u0000${p.split}`;
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  const rows: MergedPlan[] = [];
  for (const group of byKey.values()) {
    group.sort((a, b) => a.seeds[0]! - b.seeds[0]!);
    let cur: PlanJson[] = [];
    const flush = () => {
      if (cur.length === 0) return;
      const episodes = cur.reduce((s, p) => s + p.episodes, 0);
      const successes = cur.reduce((s, p) => s + p.successes, 0);
      const steps = cur.reduce((s, p) => s + p.mean_episode_steps * p.episodes, 0);
      rows.push({
        run: cur[0]!.world_model.run, step: cur[0]!.world_model.step, split: cur[0]!.split, first_seed: cur[0]!.seeds[0]!,
        episodes, successes, ci95: wilson(successes, episodes),
        random: cur.reduce((s, p) => s + (p.baselines.random?.successes ?? 0), 0),
        oracle: cur.reduce((s, p) => s + (p.baselines.oracle?.successes ?? 0), 0),
        // Weighted by steps: a chunk of long failing episodes counts for its actions.
        seconds_per_action: cur.reduce((s, p) => s + p.seconds_per_action * p.mean_episode_steps * p.episodes, 0) / Math.max(1, steps),
        per_episode: cur.flatMap((p) => p.per_episode),
      });
      cur = [];
    };
    for (const p of group) {
      const last = cur[cur.length - 1];
      if (last && p.seeds[0] !== last.seeds[last.seeds.length - 1]! + 1) flush();
      cur.push(p);
    }
    flush();
  }
  return rows.sort((a, b) => a.run.localeCompare(b.run) || a.split.localeCompare(b.split) || a.first_seed - b.first_seed);
}

const pct = (k: number, n: number) => `${k}/${n} (${Math.round((100 * k) / Math.max(1, n))} %)`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const files = args.filter((a) => a !== '--json');
  if (files.length === 0) {
    console.error('usage: merge-plans.ts FILE.json… [--json] — give the JSON outputs of umwelt plan --json');
    process.exit(2);
  }
  // A chunk killed at the time limit leaves an empty file: skip it, and say so.
  const plans: PlanJson[] = [];
  for (const f of files) {
    try {
      plans.push(JSON.parse(readFileSync(f, 'utf8')) as PlanJson);
    } catch {
      console.error(`skipped ${f}: not a complete plan --json output`);
    }
  }
  const rows = mergePlans(plans);
  if (json) {
    console.log(JSON.stringify(rows));
  } else {
    console.log('| run | step | split | seeds | planner | 95 % CI | random | oracle | s/action |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.run} | ${r.step} | ${r.split} | ${r.first_seed}–${r.first_seed + r.episodes - 1} | ${pct(r.successes, r.episodes)} | ${(100 * r.ci95[0]).toFixed(0)}–${(100 * r.ci95[1]).toFixed(0)} % | ${r.random}/${r.episodes} | ${r.oracle}/${r.episodes} | ${r.seconds_per_action.toFixed(2)} |`);
    }
  }
}
