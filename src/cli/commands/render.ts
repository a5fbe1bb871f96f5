import type { Command } from 'commander';
import { encode } from 'fast-png';
import { WorldEnv } from '../../env/world-env.ts';
import { InputError, oneOf } from '../../errors.ts';
import type { Split } from '../../env/types.ts';
import { readMjcfFile } from '../../node/mjcf-files.ts';
import { RayCamera } from '../../sim/camera.ts';
import { Sim } from '../../sim/sim.ts';
import { getWorld } from '../../worlds/index.ts';
import { addRobotOptions, printJson, resolveWorldOption, splitArg, wholeNumber, writeOutput } from '../util.ts';

interface RenderOptions { world?: string; mjcf?: string; split: Split; seed: number; out: string; size: number; camera?: string; json?: boolean }

function savePng(out: string, size: number, rgb: Uint8Array): void {
  writeOutput(out, encode({ width: size, height: size, data: rgb, channels: 3 }));
}

/** Any MJCF file (with includes and meshes) from one of its cameras, at the model's initial state. */
async function renderMjcf(o: RenderOptions & { mjcf: string }): Promise<void> {
  const sim = await Sim.fromMjcf(readMjcfFile(o.mjcf), `MJCF file ${o.mjcf}`);
  try {
    const cams = Array.from({ length: sim.model.ncam }, (_, i) => sim.mj.mj_id2name(sim.model, sim.mj.mjtObj.mjOBJ_CAMERA.value, i) || String(i));
    if (cams.length === 0) throw new InputError(`${o.mjcf} has no cameras`, 'add a <camera name="…" pos="…" xyaxes="…"/> to the model');
    const camera = o.camera ?? cams[0]!;
    if (!cams.includes(camera)) throw oneOf('camera', camera, cams);
    sim.forward();
    const cam = new RayCamera(sim, cams.indexOf(camera), { width: o.size, height: o.size });
    savePng(o.out, o.size, cam.render().rgb);
    cam.dispose();
    if (o.json) printJson({ mjcf: o.mjcf, camera, size: o.size, out: o.out });
    else console.error(`wrote ${o.out} (${o.mjcf}, camera ${camera}, ${o.size}×${o.size})`);
  } finally {
    sim.dispose();
  }
}

export function renderCommand(program: Command): void {
  const cmd = program
    .command('render')
    .description("render a world scene's initial frame (or any MJCF file's camera) to a PNG")
    .option('--world <name>', 'world name (see umwelt list)')
    .option('--mjcf <file.xml>', 'render an MJCF file instead of a world (includes and meshes are read from disk)')
    .option('--split <split>', 'train | heldout', splitArg, 'train')
    .option('--seed <n>', 'scene seed', wholeNumber('--seed'), 0)
    .requiredOption('--out <file.png>', 'output PNG path')
    .option('--size <px>', 'image width and height', wholeNumber('--size', 1), 64)
    .option('--camera <name>', "camera (default: the world's or model's first)")
    .option('--json', 'print a JSON summary on stdout');
  addRobotOptions(cmd)
    .action(async (o: RenderOptions & { robot?: string; task?: string; actionMode?: string }) => {
      if (o.size > 4096) throw new InputError(`--size must be at most 4096, got ${o.size}`);
      if (o.mjcf) {
        if (o.world || o.robot) throw new InputError('give either --world (or --robot/--task) or --mjcf, not both');
        return renderMjcf({ ...o, mjcf: o.mjcf });
      }
      const name = await resolveWorldOption(o);
      if (!name) throw new InputError('render needs --world <name> (or --robot R --task T) or --mjcf <file.xml>', 'see umwelt list for world names');
      const world = getWorld(name);
      const camera = o.camera ?? world.cameras[0]!;
      if (!world.cameras.includes(camera)) throw oneOf('camera', camera, world.cameras);
      const env = await WorldEnv.create(world, { images: false });
      try {
        env.reset({ seed: o.seed, split: o.split });
        savePng(o.out, o.size, env.render(camera, o.size));
        if (o.json) printJson({ world: world.name, split: o.split, seed: o.seed, camera, size: o.size, out: o.out, task: env.scene.task });
        else console.error(`wrote ${o.out} (${world.name}, ${o.split}, seed ${o.seed}, ${o.size}×${o.size}): "${env.scene.task}"`);
      } finally {
        env.close();
      }
    });
}
