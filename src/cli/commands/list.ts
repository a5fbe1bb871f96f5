import type { Command } from 'commander';
import { SPLITS } from '../../env/types.ts';
import { POLICY_NAMES } from '../../experts/index.ts';
import { WORLDS } from '../../worlds/index.ts';
import { printJson } from '../util.ts';

export function listWorlds() {
  return Object.values(WORLDS).map((w) => ({
    name: w.name,
    description: w.description,
    robot: w.robot,
    task: w.task,
    splits: [...SPLITS],
    heldout_differs: w.heldoutDiffers,
    success: w.successRule,
    cameras: w.cameras,
    fps: w.fps,
    max_steps: w.maxSteps,
    action_names: w.actionNames,
    state_names: w.stateNames,
    policies: [...POLICY_NAMES],
  }));
}

export function listCommand(program: Command): void {
  program
    .command('list')
    .description('list worlds: robots, tasks, splits, cameras')
    .option('--json', 'print one JSON object on stdout')
    .action((opts: { json?: boolean }) => {
      const worlds = listWorlds();
      if (opts.json) return printJson({ worlds });
      for (const w of worlds) {
        console.log(`${w.name.padEnd(10)} ${w.description}`);
        console.log(`${''.padEnd(10)} robot ${w.robot}, task ${w.task}, ${w.fps} Hz, ≤ ${w.max_steps} steps, cameras: ${w.cameras.join(', ')}`);
        console.log(`${''.padEnd(10)} actions: ${w.action_names.join(', ')}; state: ${w.state_names.join(', ')}`);
        console.log(`${''.padEnd(10)} success: ${w.success}`);
        console.log(`${''.padEnd(10)} heldout differs in: ${w.heldout_differs}`);
      }
      console.log(`policies: ${POLICY_NAMES.join(', ')}; splits: ${SPLITS.join(', ')}`);
    });
}
