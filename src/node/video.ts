/**
 * MP4 video for camera frames (LeRobot v3.0 datasets), through Debian's `ffmpeg`/`ffprobe`
 * binaries spawned as child processes — raw rgb24 frames stream through stdin/stdout pipes.
 *
 * Frame accuracy (several episodes may share one file): the encoder gets a constant frame rate
 * from rawvideo input (`-r fps`), so frame i has timestamp exactly i/fps; `-fps_mode passthrough`
 * (`-vsync passthrough` on ffmpeg < 5.1) on both sides keeps ffmpeg from duplicating or dropping
 * frames. A range [from, to) is decoded with an input seek (`-ss` before `-i`, which decodes from
 * the previous keyframe and discards frames before the seek time) to (from − ½)/fps — half a frame
 * of margin, so rounding in the container's time scale can never move the start by one frame —
 * and `-frames:v (to − from)`. A test checks every start index against the frames' encoded indices,
 * with B-frames (long GOPs) and with AV1.
 *
 * Node-only. Binaries: `ffmpeg`/`ffprobe` on PATH, or FFMPEG_PATH / FFPROBE_PATH.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.ts';

export type VideoCodec = 'h264' | 'av1';
export type VideoPixFmt = 'yuv420p' | 'yuv444p';

export interface VideoEncodeOptions {
  fps: number;
  width: number;
  height: number;
  /** 'h264' (libx264, default) or 'av1' (libsvtav1; libaom-av1 for yuv444p, sizes under 64×64 or when SVT is absent). */
  codec?: VideoCodec;
  /** Constant rate factor: lower is better quality. h264: 0–51 (0 = lossless coding), default 23; av1: 1–63, default 30. */
  crf?: number;
  /** Keyframe interval in frames (LeRobot's default: 2 — cheap random access). */
  gop?: number;
  /** Default yuv420p (needs even width and height); yuv444p keeps full colour resolution. */
  pixFmt?: VideoPixFmt;
}

export interface VideoDecodeOptions {
  /** Output frame size; frames are scaled to it if the stream's size differs. */
  width: number;
  height: number;
  /** The video's frame rate (maps frame indices to timestamps). */
  fps: number;
  /** First frame index (default 0). */
  from?: number;
  /** One past the last frame index (default: to the end of the video). */
  to?: number;
}

export interface VideoProbe {
  frames: number;
  fps: number;
  width: number;
  height: number;
  codec: string;
  pixFmt: string;
}

const INSTALL_HINT = 'install it: apt-get install ffmpeg (or set FFMPEG_PATH / FFPROBE_PATH)';
const ffmpegBin = () => process.env.FFMPEG_PATH || 'ffmpeg';
const ffprobeBin = () => process.env.FFPROBE_PATH || 'ffprobe';

/** Threads per ffmpeg process: tiny frames gain nothing from more and other work shares the cores. */
const THREADS = '1';

interface FfmpegInfo { ok: boolean; fpsModeFlag: string; encoders: Set<string> }
let info: FfmpegInfo | undefined;

function ffmpegInfo(): FfmpegInfo {
  if (info) return info;
  info = { ok: false, fpsModeFlag: '-fps_mode', encoders: new Set() };
  try {
    const v = spawnSync(ffmpegBin(), ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 });
    const p = spawnSync(ffprobeBin(), ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000 });
    if (v.status !== 0 || p.status !== 0) return info;
    // `-fps_mode` exists from ffmpeg 5.1; older releases only know `-vsync` (git builds: "N-…").
    const m = /version\s+n?(\d+)\.(\d+)/.exec(v.stdout);
    if (m && (Number(m[1]) < 5 || (Number(m[1]) === 5 && Number(m[2]) < 1))) info.fpsModeFlag = '-vsync';
    const e = spawnSync(ffmpegBin(), ['-hide_banner', '-encoders'], { encoding: 'utf8', timeout: 10_000 });
    for (const line of (e.stdout ?? '').split('\n')) {
      const mm = /^\s*V[.A-Z]{5}\s+(\S+)/.exec(line);
      if (mm) info.encoders.add(mm[1]!);
    }
    info.ok = true;
  } catch {
    info.ok = false;
  }
  return info;
}

/** True when both ffmpeg and ffprobe run (checked once, then cached). Never throws. */
export function ffmpegAvailable(): boolean {
  return ffmpegInfo().ok;
}

/**
 * The ffmpeg encoder used for `codec`: h264 → libx264; av1 → libsvtav1 (LeRobot's choice), or
 * libaom-av1 when SVT-AV1 is missing or for yuv444p (SVT-AV1 encodes 4:2:0 only).
 */
export function videoEncoderInfo(codec: VideoCodec, pixFmt: VideoPixFmt = 'yuv420p'): { available: boolean; encoder: string } {
  const enc = ffmpegInfo().encoders;
  if (codec === 'h264') return { available: enc.has('libx264'), encoder: 'libx264' };
  if (codec === 'av1') {
    const order = pixFmt === 'yuv444p' ? ['libaom-av1'] : ['libsvtav1', 'libaom-av1'];
    const found = order.find((e) => enc.has(e));
    return { available: found !== undefined, encoder: found ?? order[0]! };
  }
  throw new InputError(`unknown video codec '${String(codec)}'`, 'valid video codecs: h264, av1');
}

function missingFfmpeg(): InputError {
  return new InputError('ffmpeg not found; install it: apt-get install ffmpeg', 'umwelt stores camera frames as MP4 through the ffmpeg and ffprobe binaries; FFMPEG_PATH / FFPROBE_PATH select others');
}

function requireFfmpeg(): FfmpegInfo {
  const i = ffmpegInfo();
  if (!i.ok) throw missingFfmpeg();
  return i;
}

/** First meaningful line of ffmpeg's stderr, without the "[component @ 0x…] " prefix. */
export function ffmpegErrorLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/)
    .map((l) => l.replace(/^\[[^\]]*@\s*0x[0-9a-f]+\]\s*/i, '').replace(/^Svt\[error\]:\s*(Instance \d+:\s*)?/, '').trim())
    .filter((l) => l.length > 0 && !/^Svt\[(info|warn)/i.test(l));
  const useful = lines.find((l) => !/^(Conversion failed!|Exiting normally|Error (?:opening|initializing) output|Error while opening encoder|Nothing was written)/i.test(l));
  return useful ?? lines[0] ?? 'ffmpeg failed without a message';
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new InputError(`video ${what} must be a positive whole number, got ${v}`);
  return v;
}

function checkFps(fps: number): number {
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0 || fps > 1000) throw new InputError(`video fps must be a positive number up to 1000, got ${fps}`);
  return fps;
}

/** fps as ffmpeg reads it (decimal string; ffmpeg turns "29.97" into 2997/100). */
function fpsArg(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : String(Math.round(fps * 1e6) / 1e6);
}

interface Running {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code (null when killed); rejects with missingFfmpeg() when the binary is absent. */
  done: Promise<number | null>;
}

function run(bin: string, args: string[], stdio: ['pipe' | 'ignore', 'pipe' | 'ignore', 'pipe']): Running {
  const child = spawn(bin, args, { stdio });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => { if (err.length < 64_000) err += s; });
  child.stdin?.on('error', () => { /* EPIPE when ffmpeg exits early: its stderr explains */ });
  const done = new Promise<number | null>((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? missingFfmpeg() : new InputError(`cannot run ${bin}: ${e.message}`, INSTALL_HINT)));
    child.once('close', (code) => resolve(code));
  });
  done.catch(() => undefined);
  return { child, stderr: () => err, done };
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Writes one chunk to the child's stdin, waiting for 'drain' when its pipe buffer is full. */
function writeChunk(child: ChildProcess, chunk: Uint8Array, exited: Promise<unknown>): Promise<boolean> {
  const stdin = child.stdin!;
  if (stdin.destroyed || !stdin.writable) return Promise.resolve(false);
  if (stdin.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onDrain = () => { cleanup(); resolve(true); };
    const onGone = () => { cleanup(); resolve(false); };
    const cleanup = () => { stdin.off('drain', onDrain); stdin.off('close', onGone); stdin.off('error', onGone); };
    stdin.on('drain', onDrain);
    stdin.once('close', onGone);
    stdin.once('error', onGone);
    exited.then(onGone, onGone);
  });
}

function encoderArgs(encoder: string, crf: number, gop: number, pixFmt: VideoPixFmt): string[] {
  const common = ['-pix_fmt', pixFmt, '-g', String(gop)];
  switch (encoder) {
    case 'libx264':
      return ['-c:v', 'libx264', ...common, '-crf', String(crf), '-preset', 'medium', '-threads', THREADS];
    case 'libsvtav1':
      return ['-c:v', 'libsvtav1', ...common, '-crf', String(crf), '-preset', '8'];
    default: // libaom-av1: constant quality mode, fastest good-quality speed setting
      return ['-c:v', encoder, ...common, '-crf', String(crf), '-b:v', '0', '-cpu-used', '8', '-threads', THREADS];
  }
}

/**
 * Encodes rgb24 frames (each width*height*3 bytes) into an MP4 file at `path`, atomically: it is
 * written to a temporary file in the same folder and renamed on success (removed on failure).
 */
export async function encodeVideo(
  path: string,
  frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  opts: VideoEncodeOptions,
): Promise<{ frames: number; bytes: number }> {
  const fps = checkFps(opts.fps);
  const width = positiveInt(opts.width, 'width');
  const height = positiveInt(opts.height, 'height');
  const codec = opts.codec ?? 'h264';
  const pixFmt = opts.pixFmt ?? 'yuv420p';
  if (pixFmt !== 'yuv420p' && pixFmt !== 'yuv444p') throw new InputError(`unknown pixel format '${String(pixFmt)}'`, 'valid pixel formats: yuv420p, yuv444p');
  if (pixFmt === 'yuv420p' && (width % 2 !== 0 || height % 2 !== 0)) {
    throw new InputError(`yuv420p video needs an even width and height, got ${width}x${height}`, 'render the camera at an even size (64x64 is the default) or use pixFmt yuv444p');
  }
  const gop = positiveInt(opts.gop ?? 2, 'gop');
  const [crfMin, crfMax, crfDefault] = codec === 'av1' ? [1, 63, 30] : [0, 51, 23];
  const crf = opts.crf ?? crfDefault;
  if (!Number.isInteger(crf) || crf < crfMin || crf > crfMax) throw new InputError(`${codec} crf must be a whole number in [${crfMin}, ${crfMax}], got ${crf}`);
  const ff = requireFfmpeg();
  let enc = videoEncoderInfo(codec, pixFmt);
  // SVT-AV1 needs at least 64x64; libaom encodes any size.
  if (enc.encoder === 'libsvtav1' && (width < 64 || height < 64) && ff.encoders.has('libaom-av1')) enc = { available: true, encoder: 'libaom-av1' };
  if (!enc.available) throw new InputError(`this ffmpeg has no ${codec} encoder (${enc.encoder})`, codec === 'av1' ? 'install an ffmpeg built with libsvtav1 or libaom, or use codec h264' : 'install an ffmpeg built with libx264 (Debian\'s ffmpeg package has it)');

  const dir = await stat(dirname(path)).catch(() => undefined);
  if (!dir?.isDirectory()) throw new InputError(`cannot write video ${path}: folder ${dirname(path)} does not exist`, 'create the folder first');

  const frameBytes = width * height * 3;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', fpsArg(fps), '-i', 'pipe:0',
    '-map', '0:v:0', '-an',
    ...encoderArgs(enc.encoder, crf, gop, pixFmt),
    ff.fpsModeFlag, 'passthrough',
    '-movflags', '+faststart', '-f', 'mp4', tmp,
  ];
  const p = run(ffmpegBin(), args, ['pipe', 'ignore', 'pipe']);
  let count = 0;
  let ok = false;
  try {
    let alive = true;
    for await (const frame of frames as AsyncIterable<Uint8Array>) {
      if (!(frame instanceof Uint8Array) || frame.length !== frameBytes) {
        throw new InputError(`video frame ${count} has ${frame instanceof Uint8Array ? frame.length : typeof frame} bytes, expected ${frameBytes} (${width}x${height} rgb24)`);
      }
      if (alive) alive = await writeChunk(p.child, frame, p.done);
      if (!alive) break; // ffmpeg exited early: report its stderr below
      count++;
    }
    if (alive && count === 0) throw new InputError(`no frames to encode into ${path}`);
    p.child.stdin!.end();
    const code = await p.done;
    if (code !== 0 || !alive) throw new InputError(`ffmpeg could not encode ${path}: ${ffmpegErrorLine(p.stderr())}`, `encoder ${enc.encoder}, ${width}x${height} ${pixFmt} at ${fps} fps`);
    const bytes = (await stat(tmp)).size;
    await rename(tmp, path).catch((e: NodeJS.ErrnoException) => {
      throw new InputError(`cannot write video ${path}: ${e.code ?? e.message}`, 'check that the folder exists and is writable');
    });
    ok = true;
    return { frames: count, bytes };
  } finally {
    if (!ok) {
      kill(p.child);
      await p.done.catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
    }
  }
}

async function checkReadable(path: string): Promise<void> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new InputError(`video not found: ${path}`, 'check the path');
  if (!s.isFile()) throw new InputError(`video is not a file: ${path}`);
}

/**
 * Decodes frames [from, to) of an MP4 — exactly those indices — as rgb24 (width*height*3 bytes each).
 * Throws an InputError when the video has fewer than `to` frames.
 */
export async function decodeVideoFrames(path: string, opts: VideoDecodeOptions): Promise<Uint8Array[]> {
  const width = positiveInt(opts.width, 'width');
  const height = positiveInt(opts.height, 'height');
  const fps = checkFps(opts.fps);
  const from = opts.from ?? 0;
  if (!Number.isInteger(from) || from < 0) throw new InputError(`video frame index 'from' must be a whole number ≥ 0, got ${from}`);
  const to = opts.to;
  if (to !== undefined && (!Number.isInteger(to) || to < from)) throw new InputError(`video frame range [${from}, ${to}) is invalid`, 'to must be a whole number ≥ from');
  if (to === from) return [];
  const ff = requireFfmpeg();
  await checkReadable(path);

  const frameBytes = width * height * 3;
  // -xerror: a damaged packet fails the decode instead of silently yielding fewer frames.
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-xerror', '-threads', THREADS];
  // Input seek to half a frame before `from`: ffmpeg decodes from the preceding keyframe and drops
  // every frame whose timestamp is before the seek point, i.e. exactly frames 0 … from−1.
  if (from > 0) args.push('-ss', ((from - 0.5) / fps).toFixed(6));
  args.push('-i', path, '-map', '0:v:0', '-an', '-sn', '-dn');
  if (to !== undefined) args.push('-frames:v', String(to - from));
  args.push(ff.fpsModeFlag, 'passthrough',
    '-vf', `scale=${width}:${height}`, '-sws_flags', 'bicubic+accurate_rnd+full_chroma_int',
    '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1');

  const p = run(ffmpegBin(), args, ['ignore', 'pipe', 'pipe']);
  const chunks: Buffer[] = [];
  let total = 0;
  p.child.stdout!.on('data', (b: Buffer) => { chunks.push(b); total += b.length; });
  let code: number | null;
  try {
    code = await p.done;
  } catch (e) {
    kill(p.child);
    throw e;
  }
  if (code !== 0) throw new InputError(`cannot decode video ${path}: ${ffmpegErrorLine(p.stderr())}`, 'is it an MP4 written by umwelt (or ffmpeg)?');
  if (total % frameBytes !== 0) throw new InputError(`decoded ${total} bytes from ${path}, not a whole number of ${width}x${height} rgb24 frames`);
  const n = total / frameBytes;
  if (to !== undefined && n !== to - from) {
    throw new InputError(`video ${path} has ${from + n} frames; cannot decode frames [${from}, ${to})`, 'check the episode\'s frame range (and the fps) against the video');
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { all.set(c, off); off += c.length; }
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(all.subarray(i * frameBytes, (i + 1) * frameBytes));
  return out;
}

function parseRate(r: unknown): number {
  if (typeof r !== 'string') return NaN;
  const [a, b] = r.split('/');
  const num = Number(a);
  const den = b === undefined ? 1 : Number(b);
  return den > 0 ? num / den : NaN;
}

/** Frame count, fps, size, codec and pixel format of the first video stream (via ffprobe). */
export async function probeVideo(path: string): Promise<VideoProbe> {
  requireFfmpeg();
  await checkReadable(path);
  const probe = async (count: boolean) => {
    const args = ['-hide_banner', '-v', 'error', '-select_streams', 'v:0'];
    if (count) args.push('-count_packets');
    args.push('-show_entries', 'stream=codec_name,pix_fmt,width,height,avg_frame_rate,r_frame_rate,nb_frames,nb_read_packets', '-of', 'json', path);
    const p = run(ffprobeBin(), args, ['ignore', 'pipe', 'pipe']);
    let out = '';
    p.child.stdout!.setEncoding('utf8');
    p.child.stdout!.on('data', (s: string) => { out += s; });
    const code = await p.done;
    if (code !== 0) throw new InputError(`cannot read video ${path}: ${ffmpegErrorLine(p.stderr())}`, 'is it an MP4 written by umwelt (or ffmpeg)?');
    let stream: Record<string, unknown> | undefined;
    try {
      stream = (JSON.parse(out) as { streams?: Record<string, unknown>[] }).streams?.[0];
    } catch {
      stream = undefined;
    }
    if (!stream) throw new InputError(`no video stream in ${path}`, 'is it an MP4 written by umwelt (or ffmpeg)?');
    return stream;
  };
  let s = await probe(false);
  let frames = Number(s.nb_frames);
  if (!Number.isInteger(frames) || frames <= 0) { // no frame count in the header: count packets
    s = await probe(true);
    frames = Number(s.nb_read_packets);
  }
  let fps = parseRate(s.avg_frame_rate);
  if (!(fps > 0)) fps = parseRate(s.r_frame_rate);
  return {
    frames: Number.isInteger(frames) ? frames : 0,
    fps: Math.round(fps * 1e6) / 1e6,
    width: Number(s.width),
    height: Number(s.height),
    codec: String(s.codec_name ?? ''),
    pixFmt: String(s.pix_fmt ?? ''),
  };
}
