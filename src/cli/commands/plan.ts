import type { Command } from 'commander';
import type { Split } from '../../env/types.ts';
import { InputError, oneOf } from '../../errors.ts';
import { planEpisodes } from '../../node/plan-run.ts';
import { getWorld } from '../../worlds/index.ts';
import { PLANNER_DEFAULTS, type EnsembleCombine, type PlannerEnergy } from '../../plan/latent-planner.ts';
import { ADAPT_DEFAULTS } from '../../plan/adapt.ts';
import { nonNegativeNumber, pct, positiveNumber, printJson, progress, splitArg, wholeNumber } from '../util.ts';

export function planCommand(program: Command): void {
  program
    .command('plan')
    .description('plan with a trained world model on a split (random and oracle baselines in the same run)')
    .requiredOption('--world-model <runs>', 'world-model run folder (umwelt train world-model --out); RUN1,RUN2,… plans with an ensemble (each plan scored by every model, see --ensemble)')
    .requiredOption('--world <name>', 'world name (see umwelt list)')
    .option('--split <split>', 'train | heldout', splitArg, 'heldout')
    .option('--episodes <n>', 'episodes', wholeNumber('--episodes', 1), 50)
    .option('--seed <n>', 'first episode seed', wholeNumber('--seed'), 0)
    .option('--method <m>', 'cem | mppi', (v: string) => { if (v !== 'cem' && v !== 'mppi') throw oneOf('method', v, ['cem', 'mppi']); return v; }, 'cem')
    .option('--horizon <n>', 'planning horizon (steps)', wholeNumber('--horizon', 1))
    .option('--samples <n>', 'action sequences per iteration', wholeNumber('--samples', 2))
    .option('--iterations <n>', 'optimiser iterations per action', wholeNumber('--iterations', 1))
    .option('--chunk <n>', 'hold each planned action for n steps and replan after the chunk (plans reach horizon steps at 1/n of the cost)', wholeNumber('--chunk', 1))
    .option('--energy <e>', 'reach-time (learned time-to-reach to the goal embedding; default when the run has that head) | sum (Σ distance to the goal embedding over the plan) | min (closest the plan gets) | final (last step only)', (v: string) => { if (v !== 'sum' && v !== 'final' && v !== 'min' && v !== 'reach-time') throw oneOf('energy', v, ['reach-time', 'sum', 'min', 'final']); return v; })
    .option('--ensemble <c>', 'with several --world-model runs: max (each plan scored by its worst model, pessimistic; default) | mean — each model\'s energy divided by its energy of standing still', (v: string) => { if (v !== 'max' && v !== 'mean') throw oneOf('ensemble', v, ['max', 'mean']); return v; })
    .option('--adapt <n>', 'test-time adaptation: n gradient steps of the predictor on the episode\'s own observed transitions before each replan (reset every episode; default 0: off)', wholeNumber('--adapt'))
    .option('--adapt-lr <x>', 'learning rate of the adaptation steps (default 1e-4, tuned on fresh training-band two-room layouts)', positiveNumber('--adapt-lr'))
    .option('--revisit <w>', 'revisit cost: weight of a penalty on plans that return to embeddings this episode has already observed (escapes spots the model wrongly predicts progress from; default 0: off)', nonNegativeNumber('--revisit'))
    .option('--revisit-width <s>', 'width of the revisit cost\'s kernel, in embedding units (default 0.75)', positiveNumber('--revisit-width'))
    .option('--revisit-surprise', 'count each observed embedding in the revisit cost by the model\'s surprise there (predicted minus observed move), so it repels only from where the model is wrong')
    .option('--device <d>', 'wasm | webgpu', 'wasm')
    .option('--no-baselines', 'skip the random and oracle baselines')
    .option('--workers <n>', 'worker threads for the baselines', wholeNumber('--workers', 1))
    .option('--planner-workers <n>', 'threads planning episodes side by side, each with its own copy of the model (default 1; --device wasm)', wholeNumber('--planner-workers', 1))
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { worldModel: string; world: string; split: Split; episodes: number; seed: number; method: 'cem' | 'mppi'; horizon?: number; samples?: number; iterations?: number; chunk?: number; energy?: PlannerEnergy; ensemble?: EnsembleCombine; adapt?: number; adaptLr?: number; revisit?: number; revisitWidth?: number; revisitSurprise?: boolean; device: string; baselines: boolean; workers?: number; plannerWorkers?: number; json?: boolean }) => {
      const world = getWorld(o.world);
      if (o.device !== 'wasm' && o.device !== 'webgpu') throw oneOf('device', o.device, ['wasm', 'webgpu']);
      const bar = progress(`plan ${world.name}`, o.episodes * (o.baselines ? 3 : 1));
      const planner = { method: o.method, ...(o.energy ? { energy: o.energy } : {}), ...(o.horizon ? { horizon: o.horizon } : {}), ...(o.samples ? { samples: o.samples } : {}), ...(o.iterations ? { iterations: o.iterations } : {}), ...(o.chunk ? { chunk: o.chunk } : {}), ...(o.ensemble ? { ensemble: o.ensemble } : {}),
        ...(o.revisit !== undefined ? { revisit: { ...PLANNER_DEFAULTS.revisit, weight: o.revisit, ...(o.revisitWidth !== undefined ? { width: o.revisitWidth } : {}), ...(o.revisitSurprise ? { surprise: true } : {}) } } : {}),
        ...(o.adapt !== undefined || o.adaptLr !== undefined ? { adapt: { ...ADAPT_DEFAULTS, ...(o.adapt !== undefined ? { steps: o.adapt } : {}), ...(o.adaptLr !== undefined ? { lr: o.adaptLr } : {}) } } : {}) };
      for (const [flag, given] of [['--revisit-width', o.revisitWidth !== undefined], ['--revisit-surprise', o.revisitSurprise]] as const) {
        if (given && !o.revisit) throw new InputError(`${flag} needs --revisit W (the cost's weight)`, 'add --revisit 0.3, say');
      }
      if (o.adaptLr !== undefined && !o.adapt) throw new InputError('--adapt-lr needs --adapt N (gradient steps per replan)', 'add --adapt 2, say');
      const runs = o.worldModel.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
      if (runs.length === 0) throw new InputError(`--world-model needs a run folder, got '${o.worldModel}'`, 'pass --world-model RUN or RUN1,RUN2 for an ensemble');
      if (o.ensemble && runs.length < 2) throw new InputError('--ensemble needs several world models', 'pass --world-model RUN1,RUN2,…');
      let s;
      try {
        if (o.device === 'webgpu') await (await import('../../node/webgpu.ts')).installNodeWebGPU();
        s = await planEpisodes({ run: runs, world: world.name, split: o.split, episodes: o.episodes, seed: o.seed, planner, device: o.device, workers: o.workers, plannerWorkers: o.plannerWorkers, baselines: o.baselines, onEpisode: () => bar.tick() });
      } finally {
        bar.stop();
      }
      if (o.json) return printJson(s);
      const line = (label: string, x: { success_rate: number; ci95: [number, number]; mean_episode_steps: number; seconds_per_action: number }) =>
        console.log(`${label.padEnd(14)} ${pct(x.success_rate).padStart(6)} (95% CI ${pct(x.ci95[0])}–${pct(x.ci95[1])}), ${x.mean_episode_steps.toFixed(1)} steps, ${(1000 * x.seconds_per_action).toFixed(1)} ms/action`);
      console.log(`${s.world} ${s.split}, ${s.episodes} episodes, world model ${s.world_model.run} (step ${s.world_model.step})`);
      line(s.policy, s);
      for (const [k, b] of Object.entries(s.baselines)) line(k, b);
    });
}
