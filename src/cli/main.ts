/** The `umwelt` command (contract in DESIGN.md "CLI contract"). */
// First: jax-js decides on Wasm worker threads when it loads (UMWELT_WASM_THREADS; default 1).
import '../node/wasm-threads-setup.ts';
import { Command, CommanderError } from 'commander';
import { UmweltError } from '../errors.ts';
import { listCommand } from './commands/list.ts';
import { renderCommand } from './commands/render.ts';
import { evalCommand } from './commands/eval.ts';
import { benchCommand } from './commands/bench.ts';
import { demoCommand } from './commands/demo.ts';
import { collectCommand } from './commands/collect.ts';
import { datasetCommand } from './commands/dataset.ts';
import { trainCommand } from './commands/train.ts';
import { planCommand } from './commands/plan.ts';

const debug = process.argv.includes('--debug');

const program = new Command('umwelt')
  .description('world models and robot policies in TypeScript')
  .option('--debug', 'show stack traces on errors')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const add of [listCommand, renderCommand, evalCommand, collectCommand, datasetCommand, trainCommand, planCommand, benchCommand, demoCommand]) add(program);

function fail(err: unknown): never {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof UmweltError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (debug) process.stderr.write(`${err.stack}\n`);
    process.exit(2);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`error: ${e.message.split('\n')[0]}\n`);
  process.stderr.write(debug ? `${e.stack}\n` : 'hint: this looks like a bug in umwelt; rerun with --debug and report the stack trace\n');
  process.exit(1);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  fail(err);
}
