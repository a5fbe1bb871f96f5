import type { Command } from 'commander';
import type { Split } from '../../env/types.ts';
import { isPolicyName, POLICY_NAMES } from '../../experts/index.ts';
import { oneOf } from '../../errors.ts';
import { summarize } from '../../eval/rollout.ts';
import { poolSize, runEpisodes } from '../../node/episode-pool.ts';
import { getWorld } from '../../worlds/index.ts';
import { pct, printJson, progress, splitArg, wholeNumber } from '../util.ts';

export function evalCommand(program: Command): void {
  program
    .command('eval')
    .description('run a policy for N episodes on a split and report success')
    .requiredOption('--world <name>', 'world name (see umwelt list)')
    .requiredOption('--policy <name>', `policy: ${POLICY_NAMES.join(' | ')}`)
    .option('--split <split>', 'train | heldout', splitArg, 'heldout')
    .option('--episodes <n>', 'number of episodes', wholeNumber('--episodes', 1), 50)
    .option('--seed <n>', 'first episode seed (episodes use seed, seed+1, …)', wholeNumber('--seed'), 0)
    .option('--workers <n>', 'worker threads (default: CPU cores)', wholeNumber('--workers', 1))
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { world: string; policy: string; split: Split; episodes: number; seed: number; workers?: number; json?: boolean }) => {
      const world = getWorld(o.world);
      if (!isPolicyName(o.policy)) throw oneOf('policy', o.policy, POLICY_NAMES);
      const seeds = Array.from({ length: o.episodes }, (_, i) => o.seed + i);
      const bar = progress(`eval ${world.name}/${o.policy}`, seeds.length);
      const t0 = performance.now();
      let results;
      try {
        results = await runEpisodes({ world: world.name, policy: o.policy, split: o.split, seeds, workers: o.workers, onEpisode: () => bar.tick() });
      } finally {
        bar.stop();
      }
      const s = summarize(world.name, world.fps, o.policy, o.split, results, (performance.now() - t0) / 1000, { device: 'cpu', units: poolSize(seeds.length, o.workers) });
      if (o.json) return printJson(s);
      console.log(`${s.world} ${s.split} ${s.policy}: success ${pct(s.success_rate)} (${s.successes}/${s.episodes}, 95% CI ${pct(s.ci95[0])}–${pct(s.ci95[1])}), ` +
        `mean ${s.mean_episode_steps.toFixed(1)} steps, ${s.throughput_per_hour.toFixed(0)} successes/robot-hour, ` +
        `${(s.seconds_per_action * 1000).toFixed(2)} ms/action, ${s.wall_seconds.toFixed(1)} s, $${s.compute.cost_usd.toExponential(2)} compute` +
        (s.compute.cost_per_success_usd !== null ? ` ($${s.compute.cost_per_success_usd.toExponential(2)} per success)` : ''));
    });
}
