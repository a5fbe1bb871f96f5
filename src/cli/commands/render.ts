import type { Command } from 'commander';
import { encode } from 'fast-png';
import { WorldEnv } from '../../env/world-env.ts';
import { oneOf } from '../../errors.ts';
import type { Split } from '../../env/types.ts';
import { getWorld } from '../../worlds/index.ts';
import { printJson, splitArg, wholeNumber, writeOutput } from '../util.ts';

export function renderCommand(program: Command): void {
  program
    .command('render')
    .description("render a scene's initial frame to a PNG")
    .requiredOption('--world <name>', 'world name (see umwelt list)')
    .option('--split <split>', 'train | heldout', splitArg, 'train')
    .option('--seed <n>', 'scene seed', wholeNumber('--seed'), 0)
    .requiredOption('--out <file.png>', 'output PNG path')
    .option('--size <px>', 'image width and height', wholeNumber('--size', 1), 64)
    .option('--camera <name>', 'camera (default: the world\'s first)')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (o: { world: string; split: Split; seed: number; out: string; size: number; camera?: string; json?: boolean }) => {
      const world = getWorld(o.world);
      const camera = o.camera ?? world.cameras[0]!;
      if (!world.cameras.includes(camera)) throw oneOf('camera', camera, world.cameras);
      const env = await WorldEnv.create(world, { images: false });
      try {
        env.reset({ seed: o.seed, split: o.split });
        const rgb = env.render(camera, o.size);
        writeOutput(o.out, encode({ width: o.size, height: o.size, data: rgb, channels: 3 }));
        if (o.json) printJson({ world: world.name, split: o.split, seed: o.seed, camera, size: o.size, out: o.out, task: env.scene.task });
        else console.error(`wrote ${o.out} (${world.name}, ${o.split}, seed ${o.seed}, ${o.size}×${o.size}): "${env.scene.task}"`);
      } finally {
        env.close();
      }
    });
}
