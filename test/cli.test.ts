import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { writeArmRobot, writeRobot } from './fixtures.ts';

const bin = fileURLToPath(new URL('../bin/umwelt.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'umwelt-cli-'));
writeFileSync(join(tmp, 'plain.txt'), 'not a folder');

function umwelt(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('list --json describes every world', () => {
  const r = umwelt('list', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { worlds: { name: string; splits: string[]; cameras: string[]; action_names: string[] }[] };
  assert.deepEqual(j.worlds.map((w) => w.name).sort(), ['arm4/insert', 'arm4/pick-place', 'arm4/sort', 'arm4/stack', 'arm6/insert', 'arm6/pick-place', 'arm6/sort', 'arm6/stack', 'gantry/insert', 'gantry/pick-place', 'gantry/sort', 'gantry/stack', 'push-t', 'reach', 'two-room']);
  for (const w of j.worlds) {
    assert.deepEqual(w.splits, ['train', 'heldout']);
    assert.ok(w.cameras.length >= 1 && w.action_names.length >= 1);
  }
});

test('render writes a PNG of the requested size', () => {
  const out = join(tmp, 'sub', 'frame.png');
  const r = umwelt('render', '--world', 'push-t', '--split', 'heldout', '--seed', '7', '--out', out, '--size', '48');
  assert.equal(r.code, 0, r.stderr);
  const png = decode(readFileSync(out));
  assert.equal(png.width, 48);
  assert.equal(png.height, 48);
  assert.equal(png.channels, 3);
});

test('eval --json has the contract shape', () => {
  const r = umwelt('eval', '--world', 'two-room', '--policy', 'expert', '--split', 'heldout', '--episodes', '4', '--seed', '3', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const k of ['world', 'split', 'episodes', 'success_rate', 'ci95', 'mean_episode_steps', 'throughput_per_hour', 'seconds_per_action', 'seeds']) {
    assert.ok(k in j, `missing ${k}`);
  }
  assert.equal(j.world, 'two-room');
  assert.equal(j.episodes, 4);
  assert.deepEqual(j.seeds, [3, 4, 5, 6]);
  const compute = j.compute as Record<string, unknown>;
  assert.equal(compute.kind, 'eval');
  assert.ok((compute.seconds as number) > 0 && (compute.cost_usd as number) > 0);
  assert.equal(compute.cost_per_episode_usd, (compute.cost_usd as number) / 4);
  const ci = j.ci95 as number[];
  assert.ok(ci[0]! <= (j.success_rate as number) && (j.success_rate as number) <= ci[1]!);
});

test('render --mjcf renders any MJCF file (includes + meshes) from its camera', () => {
  const main = writeRobot(join(tmp, 'robot'));
  const out = join(tmp, 'robot.png');
  const r = umwelt('render', '--mjcf', main, '--camera', 'front', '--size', '32', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).camera, 'front');
  const png = decode(readFileSync(out));
  // The red mesh is in view: some pixel is clearly red.
  let red = 0;
  for (let i = 0; i < 32 * 32; i++) if (png.data[3 * i]! > 100 && png.data[3 * i + 1]! < 40) red++;
  assert.ok(red > 0);
});

test('collect --json, dataset info --json and dataset validate', () => {
  const out = join(tmp, 'ds');
  const r = umwelt('collect', '--world', 'reach', '--policy', 'expert', '--episodes', '3', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.total_episodes, 3);
  assert.equal(s.success_rate, 1);
  const info = JSON.parse(umwelt('dataset', 'info', out, '--json').stdout);
  assert.equal(info.version, 'v3.0');
  assert.equal(info.episodes, 3);
  assert.deepEqual(info.features['observation.images.top'], { dtype: 'image', shape: [64, 64, 3] });
  const v = umwelt('dataset', 'validate', out, '--json');
  assert.equal(v.code, 0, v.stderr);
  assert.equal(JSON.parse(v.stdout).ok, true);
  const again = umwelt('collect', '--world', 'reach', '--policy', 'expert', '--episodes', '2', '--out', out);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /already holds a dataset[\s\S]*--append/);
  const wrongWorld = umwelt('collect', '--world', 'two-room', '--policy', 'expert', '--episodes', '1', '--out', out, '--append');
  assert.match(wrongWorld.stderr, /holds reach episodes/);
});

writeFileSync(join(tmp, 'broken.xml'), '<mujoco><worldbody><geom type="sphere" size="0.1"></worldbody>');
const bad: [string, string[], RegExp][] = [
  ['missing MJCF file', ['render', '--mjcf', join(tmp, 'absent.xml'), '--out', join(tmp, 'z.png')], /MJCF file not found/],
  ['MJCF that does not parse', ['render', '--mjcf', join(tmp, 'broken.xml'), '--out', join(tmp, 'z.png')], /could not load MJCF file/],
  ['render without a world or model', ['render', '--out', join(tmp, 'z.png')], /needs --world/],
  ['unknown world', ['eval', '--world', 'mars', '--policy', 'expert'], /unknown world 'mars'[\s\S]*two-room/],
  ['unknown split', ['eval', '--world', 'reach', '--policy', 'expert', '--split', 'test'], /unknown split 'test'[\s\S]*heldout/],
  ['unknown policy', ['eval', '--world', 'reach', '--policy', 'genius'], /unknown policy 'genius'[\s\S]*noisy-expert/],
  ['non-integer seed', ['render', '--world', 'reach', '--seed', '1.5', '--out', join(tmp, 'x.png')], /--seed must be a whole number/],
  ['negative episodes', ['eval', '--world', 'reach', '--policy', 'expert', '--episodes', '-3'], /--episodes must be a whole number/],
  ['zero episodes', ['eval', '--world', 'reach', '--policy', 'expert', '--episodes', '0'], /--episodes must be a whole number ≥ 1/],
  ['unwritable output', ['render', '--world', 'reach', '--out', '/proc/umwelt/frame.png'], /cannot write/],
  ['output under a file', ['render', '--world', 'reach', '--out', join(tmp, 'plain.txt', 'frame.png')], /cannot write .*ENOTDIR/],
  ['unknown camera', ['render', '--world', 'reach', '--camera', 'side', '--out', join(tmp, 'y.png')], /unknown camera 'side'/],
  ['dataset info on a folder that is not a dataset', ['dataset', 'info', tmp], /is not a LeRobot dataset/],
  ['dataset validate on a missing folder', ['dataset', 'validate', join(tmp, 'nope')], /dataset folder not found/],
  ['collect with an unknown codec', ['collect', '--world', 'reach', '--policy', 'expert', '--out', join(tmp, 'c'), '--video', '--codec', 'vp9'], /unknown codec 'vp9'/],
  ['collect with a bad play hold', ['collect', '--world', 'two-room', '--policy', 'play', '--play-hold', '9-3', '--out', join(tmp, 'h')], /--play-hold 9-3 is not a step range/],
  ['collect with a play hold for another policy', ['collect', '--world', 'two-room', '--policy', 'expert', '--play-hold', '5-9', '--out', join(tmp, 'h')], /--play-hold applies to --policy play/],
  ['unknown bench suite', ['bench', '--suite', 'gpu'], /unknown suite 'gpu'/],
];
for (const [what, args, pattern] of bad) {
  test(`bad input: ${what} → one-line error, non-zero exit, no stack trace`, () => {
    const r = umwelt(...args);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^error: /);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'stack trace leaked');
    assert.ok(r.stderr.trim().split('\n').length <= 3, r.stderr);
  });
}

test('manipulation worlds by --robot/--task (built-in or a descriptor file), with one-line errors', () => {
  let r = umwelt('eval', '--robot', 'gantry', '--task', 'pick-place', '--policy', 'expert', '--episodes', '2', '--workers', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  const e = JSON.parse(r.stdout);
  assert.equal(e.world, 'gantry/pick-place');
  assert.equal(e.episodes, 2);
  r = umwelt('eval', '--robot', 'arm4', '--task', 'pick-place', '--action-mode', 'joint', '--policy', 'random', '--episodes', '1', '--workers', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).world, 'arm4/pick-place@joint');
  const dir = mkdtempSync(join(tmpdir(), 'umwelt-cli-robot-'));
  const desc = writeArmRobot(dir);
  const png = join(dir, 'wrist.png');
  r = umwelt('render', '--robot', desc, '--task', 'pick-place', '--camera', 'wrist', '--out', png, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(png));
  r = umwelt('collect', '--robot', desc, '--task', 'pick-place', '--policy', 'expert', '--episodes', '2', '--workers', '2', '--out', join(dir, 'data'), '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).total_episodes, 2);
  for (const [args, msg] of [
    [['--robot', 'nope', '--task', 'pick-place'], /^error: unknown robot 'nope'/],
    [['--robot', 'arm4'], /^error: --robot and --task go together/],
    [['--robot', 'arm4', '--task', 'juggle'], /^error: unknown task 'juggle'/],
    [['--robot', join(dir, 'missing.json'), '--task', 'pick-place'], /^error: robot descriptor not found/],
  ] as const) {
    const bad = umwelt('eval', ...args, '--policy', 'expert', '--episodes', '1');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, msg);
  }
});
