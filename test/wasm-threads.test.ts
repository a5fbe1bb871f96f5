/**
 * jax-js's multi-threaded wasm backend through src/node/wasm-threads.ts: same numbers as single-threaded,
 * processes exit by themselves, worker failures surface. The jax-js runs happen in child processes (this
 * file re-run with WT_CHILD set) because the shim must be installed before jax-js is first imported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { installWebWorkerShim, wasmThreads } from '../src/node/wasm-threads.ts';

const SELF = fileURLToPath(import.meta.url);

type ChildResult = { threads: number; spawned: number; posts: number[]; sum: number; mm: number[]; loss: number; grads: Record<string, number[]> };

function runChild(mode: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, WT_CHILD: mode };
    delete env.NODE_TEST_CONTEXT; // the child is a plain script, not a test-runner subprocess
    execFile(process.execPath, ['--import', 'tsx', SELF], { env, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, signal: err?.signal ?? null, stdout, stderr }));
  });
}

/** Deterministic inputs in [-scale, scale). */
function rand(n: number, seed: number, scale: number): Float32Array<ArrayBuffer> {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

async function child(mode: string): Promise<void> {
  const g = globalThis as unknown as { Worker: new (...a: unknown[]) => { postMessage(...a: unknown[]): void } };
  let spawned = 0;
  const posts: number[] = []; // messages posted to each worker (init + kernels)
  if (mode === 'crash') {
    // No onError: a failing worker must stop the process loudly, not hang or pass silently.
    installWebWorkerShim({ threads: 1 });
    new g.Worker(URL.createObjectURL(new Blob(['throw new Error("boom at load")'])), { type: 'module' });
    return;
  }
  if (mode !== 'off') {
    installWebWorkerShim({ threads: Number(mode) });
    // Count what jax-js does with the shim, to prove the work really went through workers.
    const Base = g.Worker;
    g.Worker = class extends Base {
      #i = spawned++;
      override postMessage(...a: unknown[]): void { posts[this.#i] = (posts[this.#i] ?? 0) + 1; super.postMessage(...a); }
    };
  }
  const jax = await import('@jax-js/jax');
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const np = jax.numpy;
  type A = import('@jax-js/jax').Array;

  const f = jax.jit((a: A, b: A) => np.sum(np.tanh(np.matmul(a, b))));
  const mm = jax.jit((a: A, b: A) => np.tanh(np.matmul(a, b)));
  const a = np.array(rand(128 * 96, 1, 0.2), { shape: [128, 96] });
  const b = np.array(rand(96 * 128, 2, 0.2), { shape: [96, 128] });
  const sum = (await f(a.ref, b.ref).data())[0]!;
  const mmv = Array.from(await mm(a, b).data());

  type P = { w1: A; b1: A; w2: A; b2: A };
  const loss = (p: P, x: A, y: A): A => {
    const h = np.tanh(np.matmul(x, p.w1).add(p.b1));
    return np.mean(np.square(np.matmul(h, p.w2).add(p.b2).sub(y)));
  };
  const vg = jax.jit((p: P, x: A, y: A) => jax.valueAndGrad(loss)(p, x, y));
  const p: P = {
    w1: np.array(rand(32 * 64, 3, 0.2), { shape: [32, 64] }), b1: np.array(rand(64, 4, 0.1)),
    w2: np.array(rand(64 * 16, 5, 0.1), { shape: [64, 16] }), b2: np.array(rand(16, 6, 0.1)),
  };
  const x = np.array(rand(256 * 32, 7, 1), { shape: [256, 32] });
  const y = np.array(rand(256 * 16, 8, 1), { shape: [256, 16] });
  const [l, gr] = vg(p, x, y);
  const grads: Record<string, number[]> = {};
  for (const k of ['w1', 'b1', 'w2', 'b2'] as const) grads[k] = Array.from(await gr[k].data());
  const res: ChildResult = { threads: wasmThreads(), spawned, posts, sum, mm: mmv, loss: (await l.data())[0]!, grads };
  process.stdout.write(JSON.stringify(res) + '\n');
  // No process.exit: the parent checks that idle workers do not keep this process alive.
}

function close(a: number[], b: number[], what: string): boolean {
  assert.equal(a.length, b.length, `${what}: length`);
  let identical = true;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x !== y) identical = false;
    assert.ok(Math.abs(x - y) <= 1e-5 * Math.max(Math.abs(x), Math.abs(y), 1e-3), `${what}[${i}]: ${x} vs ${y}`);
  }
  return identical;
}

if (process.env.WT_CHILD) {
  await child(process.env.WT_CHILD);
} else {
  test('2 wasm threads give the single-thread results and the process exits by itself', async (t) => {
    const [one, two] = await Promise.all([runChild('off'), runChild('2')]);
    for (const r of [one, two]) assert.deepEqual([r.code, r.signal], [0, null], r.stderr);
    const s: ChildResult = JSON.parse(one.stdout);
    const m: ChildResult = JSON.parse(two.stdout);
    assert.equal(s.threads, 1);
    assert.equal(s.spawned, 0);
    assert.equal(m.threads, 2);
    assert.equal(m.spawned, 2, 'jax-js started its 2-worker pool');
    assert.equal(m.posts.length, 2);
    assert.ok(Math.min(...m.posts) > 3, `both workers ran kernels (messages per worker: ${m.posts})`);
    let same = close([s.sum, s.loss], [m.sum, m.loss], 'sum,loss');
    same = close(s.mm, m.mm, 'matmul') && same;
    for (const k of Object.keys(s.grads)) same = close(s.grads[k]!, m.grads[k]!, `grad ${k}`) && same;
    t.diagnostic(same ? 'bit-identical' : 'equal within 1e-5 (not bit-identical)');
  });

  test('a worker that fails to load stops the process (no hang, no silent pass)', async () => {
    const r = await runChild('crash');
    assert.equal(r.signal, null, 'not killed by the timeout');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /boom at load/);
  });

  test('worker failures reach onerror/onError and owed replies are answered', async () => {
    const errors: Error[] = [];
    installWebWorkerShim({ threads: 2, onError: (e) => errors.push(e) });
    const spawn = (src: string) => new Worker(URL.createObjectURL(new Blob([src])), { type: 'module' });
    const next = (w: Worker) => new Promise<unknown>((resolve) => { w.onmessage = (e) => resolve(e.data); });

    // Load error: onerror fires (jax-js rejects its pool start on it).
    const w1 = spawn('throw new Error("boom at load")');
    const loadErr = await new Promise<{ message: string }>((resolve) => { w1.onerror = (e) => resolve(e); });
    assert.match(loadErr.message, /boom at load/);

    // A handler that throws: the owed reply comes back as a failure, and so does any later message.
    const w2 = spawn('self.onmessage = (e) => { if (e.data === "x") throw new Error("boom in handler"); postMessage("ok"); };');
    let reply = next(w2);
    w2.postMessage('y');
    assert.equal(await reply, 'ok');
    reply = next(w2);
    w2.postMessage('x');
    assert.match(String((await reply as { error: string }).error), /boom in handler/);
    reply = next(w2);
    w2.postMessage('y');
    assert.deepEqual(await reply, { type: 'done', ok: false, error: 'Error: boom in handler' });

    // A { ok: false } reply, which jax-js's pool would swallow, is reported too.
    const w3 = spawn('self.onmessage = () => postMessage({ type: "done", ok: false, error: "bad kernel" });');
    reply = next(w3);
    w3.postMessage('k');
    assert.deepEqual(await reply, { type: 'done', ok: false, error: 'bad kernel' });
    w3.terminate();

    const msgs = errors.map((e) => e.message).join(' | ');
    assert.match(msgs, /boom at load/);
    assert.match(msgs, /boom in handler/);
    assert.match(msgs, /bad kernel/);
  });
}
