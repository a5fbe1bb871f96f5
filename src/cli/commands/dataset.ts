import type { Command } from 'commander';
import { openDataset } from '../../data/reader.ts';
import { validateDataset } from '../../data/validate.ts';
import { UmweltError } from '../../errors.ts';
import { printJson } from '../util.ts';

export function datasetCommand(program: Command): void {
  const ds = program.command('dataset').description('inspect and check LeRobot datasets (v3.0; v2.1 read-only)');
  ds.command('info <dir>')
    .description('summary of a dataset: version, episodes, frames, features, tasks')
    .option('--json', 'print one JSON object on stdout')
    .action(async (dir: string, o: { json?: boolean }) => {
      const d = await openDataset(dir);
      const lengths = d.episodes.map((m) => m.length);
      const known = d.episodes.filter((m) => m.success !== null);
      const summary = {
        dir, version: d.info.codebase_version, fps: d.info.fps, robot_type: d.info.robot_type,
        episodes: d.episodes.length, frames: d.info.total_frames, tasks: d.tasks,
        features: Object.fromEntries(Object.entries(d.features).map(([k, f]) => [k, { dtype: f.dtype, shape: f.shape }])),
        episode_length: lengths.length ? { min: Math.min(...lengths), max: Math.max(...lengths), mean: lengths.reduce((a, b) => a + b, 0) / lengths.length } : null,
        success_rate: known.length ? known.filter((m) => m.success).length / known.length : null,
        collection: d.info.umwelt ?? null,
        warnings: d.warnings,
      };
      if (o.json) return printJson(summary);
      console.log(`${dir}: LeRobot ${summary.version}, ${summary.episodes} episodes, ${summary.frames} frames at ${summary.fps} fps, robot ${summary.robot_type}`);
      if (summary.episode_length) console.log(`episode length ${summary.episode_length.min}–${summary.episode_length.max} (mean ${summary.episode_length.mean.toFixed(1)})` + (summary.success_rate !== null ? `, success ${(100 * summary.success_rate).toFixed(1)}%` : ''));
      console.log(`tasks (${summary.tasks.length}): ${summary.tasks.slice(0, 5).map((t) => JSON.stringify(t)).join(', ')}${summary.tasks.length > 5 ? ', …' : ''}`);
      for (const [k, f] of Object.entries(summary.features)) console.log(`  ${k.padEnd(28)} ${f.dtype.padEnd(8)} [${f.shape.join(', ')}]`);
      for (const w of summary.warnings) console.error(`warning: ${w}`);
    });
  ds.command('validate <dir>')
    .description('check files, counts, indices and stats against the metadata; exits non-zero on any error')
    .option('--json', 'print one JSON object on stdout')
    .action(async (dir: string, o: { json?: boolean }) => {
      const r = await validateDataset(dir);
      if (o.json) printJson(r);
      else {
        for (const w of r.warnings) console.error(`warning: ${w}`);
        if (r.ok) console.log(`${dir}: valid LeRobot ${r.version} dataset, ${r.episodes} episodes, ${r.frames} frames`);
      }
      if (!r.ok) {
        if (!o.json) for (const e of r.errors.slice(1)) console.error(`error: ${e}`);
        throw new UmweltError(r.errors[0]!, r.errors.length > 1 ? `${r.errors.length} problems in all (listed above)` : undefined);
      }
    });
}
