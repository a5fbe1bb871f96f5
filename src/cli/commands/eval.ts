import type { Command } from 'commander';
import type { Split } from '../../env/types.ts';
import { isPolicyName, POLICY_NAMES } from '../../experts/index.ts';
import { InputError, oneOf } from '../../errors.ts';
import { summarize } from '../../eval/rollout.ts';
import { poolSize, runEpisodes } from '../../node/episode-pool.ts';
import { getWorld } from '../../worlds/index.ts';
import { addRobotOptions, pct, printJson, progress, resolveWorldOption, splitArg, wholeNumber } from '../util.ts';

export function evalCommand(program: Command): void {
  const cmd = program
    .command('eval')
    .description('run a policy for N episodes on a split and report success; `eval world-model RUN --data DIR` scores a world model')
    .argument('[what]', "'world-model' to evaluate a trained world model")
    .argument('[run]', 'world-model run folder')
    .option('--data <dir>', 'eval world-model: dataset to score on (e.g. collected on the heldout split)')
    .option('--world <name>', 'world name (see umwelt list)')
    .option('--policy <name>', `policy: ${POLICY_NAMES.join(' | ')}`)
    .option('--split <split>', 'train | heldout', splitArg, 'heldout')
    .option('--episodes <n>', 'number of episodes', wholeNumber('--episodes', 1), 50)
    .option('--seed <n>', 'first episode seed (episodes use seed, seed+1, …)', wholeNumber('--seed'), 0)
    .option('--workers <n>', 'worker threads (default: CPU cores)', wholeNumber('--workers', 1))
    .option('--json', 'print one JSON object on stdout');
  addRobotOptions(cmd)
    .action(async (what: string | undefined, run: string | undefined, o: { world?: string; robot?: string; task?: string; actionMode?: string; policy?: string; data?: string; split: Split; episodes: number; seed: number; workers?: number; json?: boolean }) => {
      if (what !== undefined) {
        if (what !== 'world-model') throw oneOf('evaluation', what, ['world-model']);
        if (!run || !o.data) throw new InputError('eval world-model needs a run folder and --data DIR', 'e.g. umwelt eval world-model runs/wm-tr --data data/tr-heldout --json');
        const { loadWorldModel } = await import('../../train/worldmodel.ts');
        const { evalWorldModel } = await import('../../eval/worldmodel-eval.ts');
        const { useDevice } = await import('../../nn/runtime.ts');
        await useDevice('wasm');
        const { openDataset } = await import('../../data/reader.ts');
        const wm = loadWorldModel(run);
        const r = await evalWorldModel(wm.params, wm.config, await openDataset(o.data), { seed: o.seed });
        if (o.json) return printJson({ run, data: o.data, step: wm.step, ...r });
        console.log(`${run} (step ${wm.step}) on ${o.data}: ${r.episodes} episodes, ${r.frames} frames`);
        for (const [k, v] of Object.entries(r.k_step)) console.log(`  ${k.padStart(2)}-step latent error / copy-last: ${v ? v.ratio.toFixed(3) : 'n/a (episodes too short)'}`);
        if (r.shuffled_actions_ratio) console.log(`  shuffled / true actions error (k=${r.shuffled_actions_ratio.k}): ${r.shuffled_actions_ratio.ratio.toFixed(2)}`);
        console.log(`  probe R² (${r.probe.targets.join(', ')}): encoded ${r.probe.r2_encoded.toFixed(3)}, predicted ${r.probe.r2_predicted.toFixed(3)}`);
        const perK = (x: Record<string, number>) => Object.entries(x).map(([k, v]) => `${v.toFixed(2)} (k=${k})`).join(', ');
        console.log(`  probe R² from k-step predictions: ${perK(r.probe.r2_predicted_k)}`);
        console.log(`  motion ratio (predicted ÷ true displacement, 1 = right speed): ${perK(r.probe.motion_ratio_k)}`);
        console.log(`  effective rank ${r.effective_rank.toFixed(2)} of ${r.latent_dim}`);
        return;
      }
      const name = await resolveWorldOption(o);
      if (!name) throw new InputError('eval needs --world <name> (or --robot R --task T)', 'see umwelt list');
      if (!o.policy) throw new InputError('eval needs --policy <name>', `valid policies: ${POLICY_NAMES.join(', ')}`);
      const world = getWorld(name);
      if (!isPolicyName(o.policy)) throw oneOf('policy', o.policy, POLICY_NAMES);
      const policy = o.policy;
      const seeds = Array.from({ length: o.episodes }, (_, i) => o.seed + i);
      const bar = progress(`eval ${world.name}/${policy}`, seeds.length);
      const t0 = performance.now();
      let results;
      try {
        results = await runEpisodes({ world: world.name, policy, split: o.split, seeds, workers: o.workers, onEpisode: () => bar.tick() });
      } finally {
        bar.stop();
      }
      const s = summarize(world.name, world.fps, policy, o.split, results, (performance.now() - t0) / 1000, { device: 'cpu', units: poolSize(seeds.length, o.workers) });
      if (o.json) return printJson(s);
      console.log(`${s.world} ${s.split} ${s.policy}: success ${pct(s.success_rate)} (${s.successes}/${s.episodes}, 95% CI ${pct(s.ci95[0])}–${pct(s.ci95[1])}), ` +
        `mean ${s.mean_episode_steps.toFixed(1)} steps, ${s.throughput_per_hour.toFixed(0)} successes/robot-hour, ` +
        `${(s.seconds_per_action * 1000).toFixed(2)} ms/action, ${s.wall_seconds.toFixed(1)} s, $${s.compute.cost_usd.toExponential(2)} compute` +
        (s.compute.cost_per_success_usd !== null ? ` ($${s.compute.cost_per_success_usd.toExponential(2)} per success)` : ''));
    });
}
