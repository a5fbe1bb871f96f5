import type { Command } from 'commander';
import { availableParallelism, cpus } from 'node:os';
import { oneOf } from '../../errors.ts';
import { benchSim, type Metrics } from '../../../bench/sim.ts';
import { benchData } from '../../../bench/data.ts';
import { benchNN } from '../../../bench/nn.ts';
import { printJson } from '../util.ts';

type SuiteOptions = { log: (s: string) => void; devices: string[] };
const SUITES: Record<string, (o: SuiteOptions) => Promise<Record<string, Metrics>>> = {
  sim: ({ log }) => benchSim({ log }),
  data: ({ log }) => benchData({ log }),
  nn: ({ log, devices }) => benchNN({ log, devices }),
};

function table(results: Record<string, Record<string, Metrics>>): string {
  const lines: string[] = [];
  for (const [suite, entries] of Object.entries(results)) {
    for (const [name, metrics] of Object.entries(entries)) {
      for (const [metric, value] of Object.entries(metrics)) {
        const v = Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
        lines.push(`${suite.padEnd(6)} ${name.padEnd(12)} ${metric.padEnd(32)} ${v.padStart(12)}`);
      }
    }
  }
  return lines.join('\n');
}

export function benchCommand(program: Command): void {
  program
    .command('bench')
    .description('run benchmarks and print a table and JSON')
    .option('--suite <name>', `suite: ${[...Object.keys(SUITES), 'all'].join(' | ')}`, 'all')
    .option('--device <device>', 'nn suite: also run on this device (webgpu); wasm always runs', 'wasm')
    .option('--json', 'print only the JSON object on stdout')
    .action(async (o: { suite: string; device: string; json?: boolean }) => {
      if (!['wasm', 'webgpu'].includes(o.device)) throw oneOf('device', o.device, ['wasm', 'webgpu']);
      const names = o.suite === 'all' ? Object.keys(SUITES) : [o.suite];
      for (const n of names) if (!SUITES[n]) throw oneOf('suite', n, [...Object.keys(SUITES), 'all']);
      const results: Record<string, Record<string, Metrics>> = {};
      const log = (s: string) => process.stderr.write(`${s}\n`);
      for (const n of names) results[n] = await SUITES[n]!({ log, devices: [o.device] });
      const json = { ...results, machine: { cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? 'unknown', node: process.version, device: o.device === 'webgpu' ? 'webgpu' : 'cpu' } };
      if (!o.json) console.log(table(results));
      printJson(json);
    });
}
