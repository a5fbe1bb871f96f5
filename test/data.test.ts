import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { collectDataset } from '../src/node/collect.ts';
import { openDataset } from '../src/data/reader.ts';
import { validateDataset } from '../src/data/validate.ts';
import { WindowLoader } from '../src/data/loader.ts';
import { rowsToColumns } from '../src/data/writer.ts';
import { readParquet, writeParquet } from '../src/data/parquet.ts';
import { WorldEnv } from '../src/env/world-env.ts';
import { makePolicy } from '../src/experts/index.ts';
import { recordEpisode } from '../src/eval/rollout.ts';
import { getWorld } from '../src/worlds/index.ts';
import { InputError } from '../src/errors.ts';
import type { EpisodeData } from '../src/data/episode.ts';

const tmp = mkdtempSync(join(tmpdir(), 'umwelt-data-'));
const base = { world: 'two-room', policy: 'noisy-expert', split: 'train' as const, seed: 5, workers: 1 };

function sameEpisode(a: EpisodeData, b: EpisodeData, label: string): void {
  assert.equal(a.action.length, b.action.length, `${label}: length`);
  assert.equal(a.task, b.task);
  for (const key of Object.keys(b.images)) {
    assert.ok(Buffer.concat(a.images[key]!).equals(Buffer.concat(b.images[key]!)), `${label}: ${key} bytes differ`);
  }
  const f32 = (xs: Float32Array[]) => Buffer.concat(xs.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)));
  assert.ok(f32(a.action).equals(f32(b.action)), `${label}: actions differ`);
  assert.ok(f32(a.state).equals(f32(b.state)), `${label}: state differs`);
  assert.deepEqual(a.reward.map(Math.fround), b.reward.map(Math.fround));
  assert.deepEqual([a.done, a.nextSuccess, a.intervention], [b.done, b.nextSuccess, b.intervention]);
}

test('round trip: collect → read back gives identical frames (bytes), actions and state', async () => {
  const out = join(tmp, 'rt');
  const s = await collectDataset({ ...base, episodes: 6, out, workers: 2 });
  assert.equal(s.total_episodes, 6);
  const ds = await openDataset(out);
  const env = await WorldEnv.create(getWorld('two-room'));
  const policy = makePolicy('noisy-expert', 'two-room');
  for (let i = 0; i < 6; i++) {
    const { episode } = recordEpisode(env, policy, { seed: 5 + i, split: 'train' });
    sameEpisode(await ds.readEpisode(i), episode, `episode ${i}`);
  }
  env.close();
  assert.deepEqual(ds.warnings, []);
  const v = await validateDataset(out);
  assert.deepEqual(v.errors, []);
  assert.equal(v.ok, true);
});

test('an independent reader (DuckDB) agrees with info.json and the episodes table', async () => {
  const out = join(tmp, 'duck');
  await collectDataset({ ...base, world: 'reach', episodes: 5, out });
  const info = JSON.parse(readFileSync(join(out, 'meta/info.json'), 'utf8'));
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const one = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson()[0]!;
  const data = `read_parquet('${out}/data/*/*.parquet')`;
  const eps = `read_parquet('${out}/meta/episodes/*/*.parquet')`;
  assert.equal(Number((await one(`select count(*) as n from ${data}`)).n), info.total_frames);
  assert.equal(Number((await one(`select count(distinct episode_index) as n from ${data}`)).n), info.total_episodes);
  assert.equal(Number((await one(`select count(*) as n, sum(length) as f from ${eps}`)).n), info.total_episodes);
  assert.equal(Number((await one(`select sum(length) as f from ${eps}`)).f), info.total_frames);
  assert.equal(Number((await one(`select count(*) as n from read_parquet('${out}/meta/tasks.parquet')`)).n), info.total_tasks);
  // Every non-video feature is a column, with the LeRobot type.
  const cols = (await c.runAndReadAll(`describe select * from ${data}`)).getRowObjectsJson();
  const type = Object.fromEntries(cols.map((r) => [String(r.column_name), String(r.column_type)]));
  for (const k of Object.keys(info.features)) assert.ok(k in type, `missing column ${k}`);
  assert.equal(type['observation.images.top'], 'STRUCT(bytes BLOB, path VARCHAR)');
  assert.equal(type['observation.state'], 'FLOAT[]');
  assert.equal(type.index, 'BIGINT');
  assert.equal(type['next.done'], 'BOOLEAN');
  // Per-episode ranges from the episodes table match the data rows.
  const ranges = (await c.runAndReadAll(`select e.episode_index, e.dataset_from_index a, e.dataset_to_index b, min(d."index") lo, max(d."index") hi, count(*) n
    from ${eps} e join ${data} d on d.episode_index = e.episode_index group by all order by 1`)).getRowObjectsJson();
  for (const r of ranges) {
    assert.equal(Number(r.lo), Number(r.a));
    assert.equal(Number(r.hi), Number(r.b) - 1);
    assert.equal(Number(r.n), Number(r.b) - Number(r.a));
  }
  const stats = await one(`select "stats/observation.images.top/mean" m, "stats/action/count" c from ${eps} limit 1`);
  assert.equal((stats.m as unknown[]).length, 3);
});

test('crash safety: kill -9 during collect leaves a valid dataset; --append completes it to the uninterrupted result', async () => {
  const { spawn } = await import('node:child_process');
  const bin = new URL('../bin/umwelt.js', import.meta.url).pathname;
  const ref = join(tmp, 'ref');
  await collectDataset({ ...base, episodes: 24, out: ref });
  const refDs = await openDataset(ref);
  const target = 24;
  for (const [i, delayMs] of [900, 1400, 2100].entries()) {
    const out = join(tmp, `crash-${i}`);
    const child = spawn(process.execPath, [bin, 'collect', '--world', 'two-room', '--policy', 'noisy-expert', '--episodes', String(target), '--seed', '5', '--workers', '1', '--out', out], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise((r) => setTimeout(r, delayMs));
    child.kill('SIGKILL');
    await exited;
    const v = await validateDataset(out).catch((e: Error) => ({ ok: false, errors: [e.message], episodes: 0 }));
    if (!v.ok && /not a LeRobot dataset|not found/.test(v.errors[0] ?? '')) continue; // killed before the folder existed
    assert.deepEqual(v.errors, [], `kill after ${delayMs} ms`);
    const have = v.episodes;
    if (have < target) await collectDataset({ ...base, episodes: target - have, out, append: true });
    const ds = await openDataset(out);
    assert.equal(ds.episodes.length, target);
    assert.deepEqual(ds.warnings, []);
    for (const k of [0, Math.max(0, have - 1), have, target - 1]) {
      if (k < target) sameEpisode(await ds.readEpisode(k), await refDs.readEpisode(k), `kill ${i}, episode ${k}`);
    }
    assert.equal((await validateDataset(out)).ok, true);
  }
});

async function smallDataset(name: string): Promise<string> {
  const out = join(tmp, name);
  rmSync(out, { recursive: true, force: true });
  await collectDataset({ ...base, episodes: 4, out });
  return out;
}

test('validate catches a truncated file, a missing file, disagreeing counts and an episode gap — one line naming the file', async () => {
  const good = await smallDataset('v-good');
  const dataFile = readdirSync(join(good, 'data/chunk-000'))[0]!;
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['truncated', (d) => truncateSync(join(d, 'data/chunk-000', dataFile), 300), new RegExp(`data/chunk-000/${dataFile}: unreadable`)],
    ['missing', (d) => rmSync(join(d, 'data/chunk-000', dataFile)), new RegExp(`data/chunk-000/${dataFile}: missing`)],
    ['counts', (d) => {
      const p = join(d, 'meta/info.json');
      const info = JSON.parse(readFileSync(p, 'utf8'));
      info.total_frames += 3;
      writeFileSync(p, JSON.stringify(info));
    }, /meta\/info\.json: total_frames=/],
    ['gap', (d) => {
      // Rewrite the episodes table without episode 2.
      const dir = join(d, 'meta/episodes/chunk-000');
      const f = readdirSync(dir)[0]!;
      return readParquet(readFileSync(join(dir, f))).then((rows) => rows) as unknown as void;
    }, /missing episode_index 2/],
  ];
  for (const [name, corrupt, pattern] of cases) {
    const dir = join(tmp, `v-${name}`);
    cpSync(good, dir, { recursive: true });
    if (name === 'gap') {
      const mdir = join(dir, 'meta/episodes/chunk-000');
      const f = readdirSync(mdir)[0]!;
      const rows = (await readParquet(readFileSync(join(mdir, f)))).filter((r) => r.episode_index !== 2);
      // Keep the columns that locate episodes; a gap must be caught from them alone.
      writeFileSync(join(mdir, f), writeParquet([
        { name: 'episode_index', kind: 'int64', data: rows.map((r) => r.episode_index) },
        { name: 'tasks', kind: 'list<string>', data: rows.map((r) => r.tasks) },
        { name: 'length', kind: 'int64', data: rows.map((r) => r.length) },
        { name: 'data/chunk_index', kind: 'int64', data: rows.map((r) => r['data/chunk_index']) },
        { name: 'data/file_index', kind: 'int64', data: rows.map((r) => r['data/file_index']) },
        { name: 'dataset_from_index', kind: 'int64', data: rows.map((r) => r.dataset_from_index) },
        { name: 'dataset_to_index', kind: 'int64', data: rows.map((r) => r.dataset_to_index) },
      ]));
    } else corrupt(dir);
    const r = await validateDataset(dir);
    assert.equal(r.ok, false, name);
    assert.match(r.errors[0]!, pattern, `${name}: ${r.errors.join(' | ')}`);
    for (const e of r.errors) assert.ok(!e.includes('\n'), `${name}: multi-line error`);
  }
});

test('bad input: not a dataset, unsupported version, a feature the model needs but the dataset lacks', async () => {
  const empty = join(tmp, 'empty');
  mkdirSync(empty, { recursive: true });
  await assert.rejects(openDataset(empty), (e: unknown) => e instanceof InputError && /not a LeRobot dataset/.test(e.message));
  await assert.rejects(openDataset(join(tmp, 'nowhere')), /not found/);
  const good = await smallDataset('bad-version');
  const info = JSON.parse(readFileSync(join(good, 'meta/info.json'), 'utf8'));
  writeFileSync(join(good, 'meta/info.json'), JSON.stringify({ ...info, codebase_version: 'v1.6' }));
  await assert.rejects(openDataset(good), (e: unknown) => e instanceof InputError && /unsupported dataset version "v1.6"/.test(e.message));
  writeFileSync(join(good, 'meta/info.json'), JSON.stringify(info));
  const ds = await openDataset(good);
  assert.throws(() => new WindowLoader(ds, { window: 4, batch: 2, seed: 0, require: ['observation.images.wrist', 'action'] }),
    (e: unknown) => e instanceof InputError && /lacks feature 'observation.images.wrist'/.test(e.message));
});

test('reads LeRobot v2.1 datasets (per-episode files, JSONL metadata)', async () => {
  const v3 = await smallDataset('for-v21');
  const src = await openDataset(v3);
  const v21 = join(tmp, 'v21');
  const info = { ...src.info, codebase_version: 'v2.1', data_path: 'data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet', total_chunks: 1, total_videos: 0 };
  mkdirSync(join(v21, 'meta'), { recursive: true });
  mkdirSync(join(v21, 'data/chunk-000'), { recursive: true });
  writeFileSync(join(v21, 'meta/info.json'), JSON.stringify(info));
  writeFileSync(join(v21, 'meta/tasks.jsonl'), src.tasks.map((task, i) => JSON.stringify({ task_index: i, task })).join('\n') + '\n');
  writeFileSync(join(v21, 'meta/episodes.jsonl'), src.episodes.map((m) => JSON.stringify({ episode_index: m.episode_index, tasks: m.tasks, length: m.length })).join('\n') + '\n');
  for (const m of src.episodes) {
    const rows = await src.dataRows(m);
    writeFileSync(join(v21, `data/chunk-000/episode_${String(m.episode_index).padStart(6, '0')}.parquet`), writeParquet(rowsToColumns(rows, src.features)));
  }
  const ds = await openDataset(v21);
  assert.equal(ds.info.codebase_version, 'v2.1');
  assert.equal(ds.episodes.length, src.episodes.length);
  for (let i = 0; i < ds.episodes.length; i++) sameEpisode(await ds.readEpisode(i), await src.readEpisode(i), `v2.1 episode ${i}`);
  assert.equal((await validateDataset(v21)).ok, true);
});

test('loader: consecutive windows, deterministic from the seed, each window once per epoch', async () => {
  const out = await smallDataset('loader');
  const ds = await openDataset(out);
  const T = 3, B = 4;
  const run = async (seed: number) => {
    const loader = new WindowLoader(ds, { window: T, batch: B, seed, episodesInMemory: 2, require: ['observation.images.top', 'action'] });
    const seen: string[] = [];
    const bytes: Buffer[] = [];
    for await (const b of loader.batches(1)) {
      assert.equal(b.images['observation.images.top']!.length, B * T * 64 * 64 * 3);
      for (let i = 0; i < b.batch; i++) {
        seen.push(`${b.episode[i]}:${b.start[i]}`);
        const ep = await ds.readEpisode(b.episode[i]!, { images: false });
        for (let t = 0; t < T; t++) {
          assert.deepEqual(Array.from(b.state.subarray((i * T + t) * 4, (i * T + t + 1) * 4)), Array.from(ep.state[b.start[i]! + t]!));
        }
      }
      bytes.push(Buffer.from(b.images['observation.images.top']!), Buffer.from(b.action.buffer));
    }
    return { seen, bytes: Buffer.concat(bytes), total: loader.windowsPerEpoch };
  };
  const a = await run(1);
  const b = await run(1);
  const c = await run(2);
  assert.ok(a.bytes.equals(b.bytes));
  assert.deepEqual(a.seen, b.seen);
  assert.notDeepEqual(a.seen, c.seen);
  assert.equal(new Set(a.seen).size, a.seen.length, 'a window repeated within an epoch');
  assert.ok(a.seen.length > a.total - B, `${a.seen.length} of ${a.total} windows`);
});

test('loader copies: a window entered n times appears n times in its epoch, the others once', async () => {
  const ds = await openDataset(await smallDataset('loader-copies'));
  const T = 3, B = 4;
  const loader = new WindowLoader(ds, { window: T, batch: B, seed: 5, episodesInMemory: 2, copies: (_ep, start) => (start === 0 ? 3 : 1) });
  const count = new Map<string, number>();
  for await (const b of loader.batches(1)) for (let i = 0; i < b.batch; i++) count.set(`${b.episode[i]}:${b.start[i]}`, (count.get(`${b.episode[i]}:${b.start[i]}`) ?? 0) + 1);
  const firsts = [...count].filter(([k]) => k.endsWith(':0')), rest = [...count].filter(([k]) => !k.endsWith(':0'));
  assert.ok(rest.every(([, n]) => n === 1), 'other windows once');
  assert.ok(firsts.every(([, n]) => n <= 3), 'first windows at most 3 times');
  const seen = [...count.values()].reduce((a, n) => a + n, 0);
  assert.ok(firsts.reduce((a, [, n]) => a + n, 0) >= 3 * ds.episodes.length - B, 'first windows 3 times each (all but the last partial batch)');
  assert.ok(seen > loader.windowsPerEpoch + 2 * ds.episodes.length - B, `${seen} windows drawn`);
});

test('--video: frames stored as MP4 (h264) decode frame-accurately; the dataset validates', async (t) => {
  const { ffmpegAvailable } = await import('../src/node/video.ts');
  if (!ffmpegAvailable()) return t.skip('ffmpeg not installed (CI installs it)');
  const out = join(tmp, 'video');
  await collectDataset({ ...base, world: 'push-t', policy: 'expert', episodes: 3, out, video: true });
  const ds = await openDataset(out);
  assert.equal(ds.features['observation.images.top']!.dtype, 'video');
  assert.equal(ds.info.video_path, 'videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4');
  const env = await WorldEnv.create(getWorld('push-t'));
  const policy = makePolicy('expert', 'push-t');
  for (let i = 0; i < 3; i++) {
    const { episode } = recordEpisode(env, policy, { seed: 5 + i, split: 'train' });
    const got = await ds.readEpisode(i);
    const a = got.images['observation.images.top']!, b = episode.images['observation.images.top']!;
    assert.equal(a.length, b.length);
    // Frame-accurate: each decoded frame is closest to the original with the same index.
    for (let f = 0; f < b.length; f++) {
      const err = (x: Uint8Array, y: Uint8Array) => x.reduce((s, v, k) => s + Math.abs(v - y[k]!), 0) / x.length;
      const here = err(a[f]!, b[f]!);
      assert.ok(here < 4, `episode ${i} frame ${f}: mean abs error ${here}`);
      for (const g of [f - 1, f + 1]) if (b[g] && err(b[g], b[f]!) > 1) assert.ok(here < err(a[f]!, b[g]), `frame ${f} looks like frame ${g}`);
    }
    sameEpisode({ ...got, images: {} }, { ...episode, images: {} }, `video episode ${i}`);
  }
  env.close();
  assert.deepEqual((await validateDataset(out)).errors, []);
});

test('loader goals: one later frame of the same episode per window, its gap and the episode outcome', async () => {
  const out = await smallDataset('loader-goals');
  const ds = await openDataset(out);
  const T = 3, B = 4, frame = 64 * 64 * 3;
  const loader = new WindowLoader(ds, { window: T, batch: B, seed: 3, episodesInMemory: 2, goals: true });
  let checked = 0;
  for await (const b of loader.batches(1)) {
    const g = b.goals!;
    for (let i = 0; i < b.batch; i++) {
      const ep = await ds.readEpisode(b.episode[i]!);
      const j = b.start[i]! + g.gap[i]!;
      assert.ok(g.gap[i]! >= 0 && j < ep.action.length, `gap ${g.gap[i]} from ${b.start[i]} in an episode of ${ep.action.length}`);
      assert.ok(Buffer.from(g.images['observation.images.top']!.subarray(i * frame, (i + 1) * frame)).equals(Buffer.from(ep.images['observation.images.top']![j]!)), 'goal frame bytes');
      assert.deepEqual(Array.from(g.state.subarray(i * 4, (i + 1) * 4)), Array.from(ep.state[j]!));
      assert.equal(g.success[i], ep.success ? 1 : 0);
      checked++;
    }
  }
  assert.ok(checked >= B);
  // Without goals the windows are the same as before (goal sampling uses no randomness then).
  const plain = new WindowLoader(ds, { window: T, batch: B, seed: 3, episodesInMemory: 2 });
  const first = (await plain.batches(1).next()).value!;
  assert.equal(first.goals, undefined);
});
