import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeVideoFrames, encodeVideo, ffmpegAvailable, ffmpegErrorLine, probeVideo, videoEncoderInfo,
} from '../src/node/video.ts';
import { InputError } from '../src/errors.ts';

const W = 64;
const H = 64;
const FPS = 30;
const N = 120; // three "episodes" of 40 frames sharing one file

/** Synthetic camera frame that carries its own index: 8 big blocks (one bit each) above a moving gradient. */
function frame(i: number): Uint8Array {
  const f = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      if (y < 32) {
        const bit = Math.floor(y / 16) * 4 + Math.floor(x / 16);
        const on = (i >> bit) & 1;
        f[o] = on ? 215 : 40;
        f[o + 1] = on ? 200 : 55;
        f[o + 2] = on ? 190 : 70;
      } else {
        f[o] = (x * 3 + i * 2) & 255;
        f[o + 1] = 40 + y * 2;
        f[o + 2] = 128 + Math.round(60 * Math.sin((x + i) / 8));
      }
    }
  }
  return f;
}

/** Reads the index back (mean of each bit block's 8×8 centre), robust to lossy coding. */
function identify(f: Uint8Array): number {
  let n = 0;
  for (let bit = 0; bit < 8; bit++) {
    const bx = (bit % 4) * 16 + 4;
    const by = Math.floor(bit / 4) * 16 + 4;
    let s = 0;
    for (let y = by; y < by + 8; y++) for (let x = bx; x < bx + 8; x++) s += f[(y * W + x) * 3]!;
    if (s / 64 > 128) n |= 1 << bit;
  }
  return n;
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => a + k);
const isOneLineInputError = (re: RegExp) => (e: unknown) =>
  e instanceof InputError && re.test(e.message) && !e.message.includes('\n');

async function checkRanges(path: string, ranges: [number, number][]): Promise<void> {
  for (const [a, b] of ranges) {
    const got = await decodeVideoFrames(path, { width: W, height: H, fps: FPS, from: a, to: b });
    assert.deepEqual(got.map(identify), range(a, b), `frames [${a}, ${b})`);
  }
}

if (!ffmpegAvailable()) {
  test('video: MP4 through ffmpeg', (t) => { t.skip('ffmpeg not installed'); });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'umwelt-video-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const originals = range(0, N).map(frame);
  const h264 = join(dir, 'h264.mp4');

  test('video: h264 round trip keeps every frame, in order, with small error; probe counts frames', async (t) => {
    async function* gen() { for (const f of originals) yield f; } // async iterables work too
    const r = await encodeVideo(h264, gen(), { fps: FPS, width: W, height: H });
    assert.equal(r.frames, N);
    assert.ok(r.bytes > 0 && r.bytes === readFileSync(h264).length);
    assert.deepEqual(readdirSync(dir), ['h264.mp4'], 'no temporary file left behind');

    const p = await probeVideo(h264);
    assert.deepEqual(p, { frames: N, fps: FPS, width: W, height: H, codec: 'h264', pixFmt: 'yuv420p' });

    const all = await decodeVideoFrames(h264, { width: W, height: H, fps: FPS });
    assert.equal(all.length, N);
    assert.deepEqual(all.map(identify), range(0, N));
    let err = 0;
    all.forEach((f, i) => { for (let k = 0; k < f.length; k++) err += Math.abs(f[k]! - originals[i]![k]!); });
    const mae = err / (N * W * H * 3);
    t.diagnostic(`h264 crf 23 yuv420p gop 2: mean abs error ${mae.toFixed(3)} / 255, ${r.bytes} bytes for ${N} frames`);
    assert.ok(mae < 4, `mean abs error ${mae}`);
  });

  test('video: any range [a, b) decodes exactly frames a..b-1 (episodes sharing one file)', async () => {
    const ranges: [number, number][] = [[0, 40], [40, 80], [80, 120], [0, 1], [1, 2], [2, 5], [119, 120], [59, 61], [117, 120]];
    let s = 12345;
    const rnd = (n: number) => { s = (s * 1103515245 + 12345) % 2147483648; return s % n; };
    for (let k = 0; k < 10; k++) { const a = rnd(N); ranges.push([a, a + 1 + rnd(Math.min(12, N - a))]); }
    await checkRanges(h264, ranges);
    const tail = await decodeVideoFrames(h264, { width: W, height: H, fps: FPS, from: 100 });
    assert.deepEqual(tail.map(identify), range(100, N));
    assert.deepEqual(await decodeVideoFrames(h264, { width: W, height: H, fps: FPS, from: 7, to: 7 }), []);
  });

  test('video: long GOP with B-frames still seeks frame-exactly', async () => {
    const path = join(dir, 'gop30.mp4');
    await encodeVideo(path, originals, { fps: FPS, width: W, height: H, gop: 30 });
    // Starts on, just before and just after keyframes, and mid-GOP.
    await checkRanges(path, [[29, 32], [30, 31], [31, 35], [59, 62], [60, 90], [45, 46], [89, 91], [118, 120]]);
  });

  test('video: av1 round trip (libsvtav1 or libaom-av1)', async (t) => {
    const info = videoEncoderInfo('av1');
    t.diagnostic(`av1 encoder: ${info.available ? info.encoder : 'none'}; h264 encoder: ${videoEncoderInfo('h264').encoder}`);
    if (!info.available) { t.skip('this ffmpeg has no AV1 encoder'); return; }
    const path = join(dir, 'av1.mp4');
    await encodeVideo(path, originals, { fps: FPS, width: W, height: H, codec: 'av1' });
    const p = await probeVideo(path);
    assert.equal(p.codec, 'av1');
    assert.equal(p.frames, N);
    const all = await decodeVideoFrames(path, { width: W, height: H, fps: FPS });
    assert.deepEqual(all.map(identify), range(0, N));
    await checkRanges(path, [[0, 3], [40, 80], [61, 64], [119, 120]]);
  });

  test('video: crf 0 with yuv444p is lossless coding (only RGB↔YUV rounding remains)', async (t) => {
    const path = join(dir, 'lossless.mp4');
    await encodeVideo(path, originals.slice(0, 30), { fps: FPS, width: W, height: H, crf: 0, pixFmt: 'yuv444p' });
    assert.equal((await probeVideo(path)).pixFmt, 'yuv444p');
    const all = await decodeVideoFrames(path, { width: W, height: H, fps: FPS });
    let err = 0;
    let max = 0;
    all.forEach((f, i) => { for (let k = 0; k < f.length; k++) { const d = Math.abs(f[k]! - originals[i]![k]!); err += d; max = Math.max(max, d); } });
    const mae = err / (30 * W * H * 3);
    t.diagnostic(`h264 crf 0 yuv444p: mean abs error ${mae.toFixed(3)}, max ${max}`);
    assert.ok(mae < 0.5 && max <= 3, `mae ${mae}, max ${max}`);
  });

  test('video: missing, corrupt and truncated files and out-of-range frames are one-line InputErrors', async () => {
    const opts = { width: W, height: H, fps: FPS };
    await assert.rejects(decodeVideoFrames(join(dir, 'nope.mp4'), opts), isOneLineInputError(/video not found/));
    await assert.rejects(probeVideo(join(dir, 'nope.mp4')), isOneLineInputError(/video not found/));
    const corrupt = join(dir, 'corrupt.mp4');
    writeFileSync(corrupt, 'not a video at all\n'.repeat(200));
    await assert.rejects(decodeVideoFrames(corrupt, opts), isOneLineInputError(/cannot decode video .*corrupt\.mp4: \S/));
    await assert.rejects(probeVideo(corrupt), isOneLineInputError(/cannot read video .*corrupt\.mp4: \S/));
    const truncated = join(dir, 'truncated.mp4');
    const bytes = readFileSync(h264);
    writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
    await assert.rejects(decodeVideoFrames(truncated, opts), isOneLineInputError(/cannot decode video/));
    await assert.rejects(decodeVideoFrames(h264, { ...opts, from: 115, to: 125 }), isOneLineInputError(/has 120 frames; cannot decode frames \[115, 125\)/));
    await assert.rejects(decodeVideoFrames(h264, { ...opts, from: 5, to: 2 }), isOneLineInputError(/invalid/));
    await assert.rejects(decodeVideoFrames(h264, { ...opts, fps: 0 }), isOneLineInputError(/fps/));
  });

  test('video: bad encode input fails cleanly and atomically (no partial or temp file, old file kept)', async () => {
    const path = join(dir, 'atomic.mp4');
    writeFileSync(path, 'previous contents');
    const opts = { fps: FPS, width: W, height: H };
    await assert.rejects(encodeVideo(path, [originals[0]!, new Uint8Array(10)], opts), isOneLineInputError(/frame 1 has 10 bytes, expected 12288/));
    await assert.rejects(encodeVideo(path, (function* () { yield* originals; throw new Error('camera died'); })(), opts), /camera died/);
    await assert.rejects(encodeVideo(path, [], opts), isOneLineInputError(/no frames/));
    await assert.rejects(encodeVideo(path, originals, { ...opts, width: 63 }), isOneLineInputError(/even width and height/));
    await assert.rejects(encodeVideo(path, originals, { ...opts, crf: 99 }), isOneLineInputError(/crf/));
    await assert.rejects(encodeVideo(join(dir, 'no', 'such', 'x.mp4'), originals, opts), isOneLineInputError(/does not exist/));
    assert.equal(readFileSync(path, 'utf8'), 'previous contents');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    // Odd sizes work with yuv444p.
    const odd = join(dir, 'odd.mp4');
    await encodeVideo(odd, [new Uint8Array(63 * 63 * 3).fill(90)], { fps: FPS, width: 63, height: 63, pixFmt: 'yuv444p' });
    assert.equal(existsSync(odd), true);
  });

  test('video: ffmpeg errors become their first meaningful stderr line', () => {
    const svt = 'Svt[info]: -------------------------------------------\nSvt[info]: SVT [version]:\tSVT-AV1 Encoder Lib v1.4.1\n'
      + 'Svt[error]: Instance 1: Source Width must be at least 64\n[libsvtav1 @ 0x55fda22cb980] Error setting encoder parameters\n'
      + 'Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0\n';
    assert.equal(ffmpegErrorLine(svt), 'Source Width must be at least 64');
    assert.equal(ffmpegErrorLine('[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5581] moov atom not found\nx.mp4: Invalid data found when processing input\n'), 'moov atom not found');
    assert.equal(ffmpegErrorLine(''), 'ffmpeg failed without a message');
  });

  test('video: a missing ffmpeg binary is reported, not a crash or a hang', () => {
    const mod = fileURLToPath(new URL('../src/node/video.ts', import.meta.url));
    const code = `const v = await import(${JSON.stringify(mod)});
      console.log(JSON.stringify({ available: v.ffmpegAvailable() }));
      try { await v.encodeVideo('x.mp4', [], { fps: 30, width: 64, height: 64 }); } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8', env: { ...process.env, FFMPEG_PATH: '/nonexistent/ffmpeg' }, timeout: 30_000,
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines, [{ available: false }, { name: 'InputError', message: 'ffmpeg not found; install it: apt-get install ffmpeg' }], r.stderr);
  });
}
