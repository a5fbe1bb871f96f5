import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMjcfFile } from '../src/node/mjcf-files.ts';
import { Sim } from '../src/sim/sim.ts';
import { ModelLoadError } from '../src/errors.ts';
import { writeRobot } from './fixtures.ts';

test('MJCF files on disk: nested includes, meshdir, binary STL meshes, default classes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'umwelt-mjcf-'));
  const src = readMjcfFile(writeRobot(dir));
  assert.deepEqual(Object.keys(src.files!).sort(), ['assets/tet.stl', 'parts/arm.xml', 'parts/tip.xml']);
  const sim = await Sim.fromMjcf(src);
  assert.equal(sim.model.nmesh, 1);
  assert.ok(sim.id('site', 'tip') >= 0);
  sim.dispose();
});

test('MJCF files: missing main file or referenced file is a one-line ModelLoadError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'umwelt-mjcf-'));
  assert.throws(() => readMjcfFile(join(dir, 'nope.xml')), (e: unknown) => e instanceof ModelLoadError && /MJCF file not found/.test(e.message));
  writeFileSync(join(dir, 'm.xml'), '<mujoco><asset><mesh name="a" file="gone.stl"/></asset></mujoco>');
  assert.throws(() => readMjcfFile(join(dir, 'm.xml')), (e: unknown) => e instanceof ModelLoadError && /gone\.stl/.test(e.message) && !e.message.includes('\n'));
});
