import type { Command } from 'commander';
import type { Split } from '../../env/types.ts';
import { isPolicyName, POLICY_NAMES } from '../../experts/index.ts';
import { InputError, oneOf } from '../../errors.ts';
import { collectDataset } from '../../node/collect.ts';
import { getWorld } from '../../worlds/index.ts';
import { addRobotOptions, pct, printJson, progress, resolveWorldOption, splitArg, wholeNumber } from '../util.ts';

export function collectCommand(program: Command): void {
  const cmd = program
    .command('collect')
    .description('record episodes of a policy as a LeRobot v3.0 dataset (crash-safe; --append resumes)')
    .option('--world <name>', 'world name (see umwelt list)')
    .requiredOption('--policy <name>', `policy: ${POLICY_NAMES.join(' | ')}`)
    .option('--episodes <n>', 'episodes to record (added to the dataset with --append)', wholeNumber('--episodes', 1), 50)
    .option('--split <split>', 'train | heldout', splitArg, 'train')
    .option('--seed <n>', 'base seed: episode i of the dataset uses seed + i', wholeNumber('--seed'), 0)
    .requiredOption('--out <dir>', 'dataset folder')
    .option('--append', 'add episodes to an existing dataset (also completes an interrupted one)')
    .option('--video', 'store camera frames as MP4 (ffmpeg, h264) instead of PNG bytes in the parquet')
    .option('--codec <codec>', 'video codec with --video: h264 | av1', (v: string) => {
      if (v !== 'h264' && v !== 'av1') throw oneOf('codec', v, ['h264', 'av1']);
      return v;
    }, 'h264')
    .option('--play-hold <min-max>', 'play policy: steps each random action is held, e.g. 10-40 (default 3-10)', parseHold)
    .option('--size <px>', 'camera image size', wholeNumber('--size', 8), 64)
    .option('--workers <n>', 'worker threads (default: CPU cores)', wholeNumber('--workers', 1))
    .option('--json', 'print one JSON object on stdout');
  addRobotOptions(cmd)
    .action(async (o: { world?: string; robot?: string; task?: string; actionMode?: string; policy: string; playHold?: [number, number]; episodes: number; split: Split; seed: number; out: string; append?: boolean; video?: boolean; codec: 'h264' | 'av1'; size: number; workers?: number; json?: boolean }) => {
      const name = await resolveWorldOption(o);
      if (!name) throw new InputError('collect needs --world <name> (or --robot R --task T)', 'see umwelt list');
      const world = getWorld(name);
      if (!isPolicyName(o.policy)) throw oneOf('policy', o.policy, POLICY_NAMES);
      if (o.playHold && o.policy !== 'play') throw new InputError(`--play-hold applies to --policy play, not ${o.policy}`, 'drop --play-hold or use --policy play');
      const bar = progress(`collect ${world.name}/${o.policy}`, o.episodes);
      let s;
      try {
        s = await collectDataset({ ...o, noise: o.playHold ? { hold: o.playHold } : undefined, videoCodec: o.codec, world: world.name, onEpisode: () => bar.tick() });
      } finally {
        bar.stop();
      }
      if (o.json) return printJson(s);
      console.log(`${s.out}: +${s.added} episodes (${pct(s.success_rate)} success) → ${s.total_episodes} episodes, ${s.total_frames} frames, ${s.seconds.toFixed(1)} s`);
    });
}

/** "MIN-MAX" (or one number) → an inclusive step range, 1 ≤ MIN ≤ MAX. */
function parseHold(v: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v.trim());
  const lo = m ? Number(m[1]) : NaN, hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(lo >= 1 && hi >= lo)) throw new InputError(`--play-hold ${v} is not a step range`, 'give MIN-MAX with 1 ≤ MIN ≤ MAX, e.g. --play-hold 10-40');
  return [lo, hi];
}
