import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BROWSER_DIRS = ['src/sim', 'src/worlds', 'src/env', 'src/experts', 'src/eval', 'src/nn', 'src/ledger', 'src/models/worldmodel', 'src/plan'];

test('browser-ready core: sim, worlds, env, experts, eval, nn, ledger, models and plan bundle for the browser without Node built-ins', async () => {
  const entries = BROWSER_DIRS.flatMap((d) => readdirSync(`${root}/${d}`).filter((f) => f.endsWith('.ts')).map((f) => `${d}/${f}`));
  const lines = entries.map((e) => `export * as m${entries.indexOf(e)} from './${e}';`).join('\n');
  const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const seen: string[] = [];
  const result = await build({
    stdin: { contents: lines, resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
    // MuJoCo's own loader mentions Node modules behind environment checks; our code must not.
    external: ['@mujoco/mujoco'],
    plugins: [{
      name: 'forbid-node',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (nodeBuiltins.has(args.path)) seen.push(`${args.importer} imports ${args.path}`);
          return undefined;
        });
      },
    }],
  }).catch((err: Error) => ({ errors: [err.message], outputFiles: [] }));
  assert.deepEqual(seen, []);
  assert.deepEqual(result.errors, []);
  assert.ok(result.outputFiles.length === 1 && result.outputFiles[0]!.text.length > 1000);
});
