/**
 * Multi-threaded jax-js `wasm` backend in Node: a minimal browser-style `Worker` over worker_threads.
 *
 * How jax-js 0.1.25 decides (dist/backend-*.js, region src/backend/wasm/parallel.ts):
 *  - `hasSharedArrayBuffer()` is `typeof SharedArrayBuffer !== "undefined" && typeof Worker !== "undefined"`.
 *    Node 20 has SharedArrayBuffer but no global `Worker`, so jax-js stays single-threaded.
 *  - `new WasmBackend()` runs when the jax-js module is *evaluated* (not at `init()`): if that check passes
 *    it allocates a shared WebAssembly.Memory and `createWorkerPool()` makes a pool of
 *    `navigator.hardwareConcurrency || 4` workers. Kernels are compiled to import shared memory whenever
 *    the check passes, so the check must not flip after jax-js loaded (the memory would be unshared and
 *    every kernel would fail to link). Hence: install this shim BEFORE jax-js is imported.
 *  - The pool starts lazily on the first async dispatch: `new Worker(URL.createObjectURL(new Blob([src])),
 *    { type: "module" })`, posts `{ type: "init", memory }`, then `{ type: "kernel", kernelHash, module, ptrs,
 *    begin, end }` / `{ type: "routine", ... }`; each message gets exactly one reply (`ready` or
 *    `{ type: "done", ok, error? }`). The source sets `self.onmessage` and calls the global `postMessage`.
 *  - Only async reads (`await a.data()`, `await a.blockUntilReady()`) use the pool; `dataSync()` still
 *    computes on the main thread (jax-js throws "cannot dispatch synchronously with pending async work" if
 *    an input is still being written by a worker, so await before reading synchronously).
 *  - Kernels run one at a time, each split over the workers by output range (main thread idle); every kernel
 *    costs a postMessage round trip (~20-130 us here), so big matmuls scale and chains of small kernels may not.
 *  - jax-js swallows a failed dispatch (its queue maps rejections to "done") and then reads stale memory,
 *    so this shim reports worker failures itself (see `onError`).
 */
import { availableParallelism } from 'node:os';
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';

export interface WasmThreadsOptions {
  /** Workers jax-js starts (via navigator.hardwareConcurrency). Default: os.availableParallelism(). */
  threads?: number;
  /**
   * Called when a worker fails (load error, uncaught exception, unexpected exit, or a `{ ok: false }` reply
   * that jax-js would otherwise swallow). Default: rethrow as an uncaught exception, so the process stops
   * loudly instead of continuing with wrong numbers.
   */
  onError?: (err: Error) => void;
}

/**
 * Runs inside each worker_threads Worker (CommonJS, `eval: true`): gives the browser worker globals the jax-js
 * source uses (`self`, `postMessage`, `self.onmessage`), loads the source as an ES module from a data: URL
 * (worker_threads cannot open blob: URLs, and blob URLs do not cross threads), and holds messages that arrive
 * while it loads.
 */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (data, transfer) => parentPort.postMessage(data, transfer);
let held = [];
const deliver = (data) => { if (typeof globalThis.onmessage === 'function') globalThis.onmessage({ data }); };
parentPort.on('message', (data) => (held ? held.push(data) : deliver(data)));
(async () => {
  const src = workerData.blob ? 'data:text/javascript,' + encodeURIComponent(await workerData.blob.text()) : workerData.url;
  await import(src);
  const q = held; held = null;
  for (const data of q) deliver(data);
})().catch((err) => process.nextTick(() => { throw err; })); // becomes the Worker's 'error' event
`;

type Handler<E> = ((ev: E) => void) | null;

let installed: (WasmThreadsOptions & { threads: number }) | undefined;
let live = 0; // workers started and not dead: what jax-js actually uses once its pool is up

function report(err: Error): void {
  if (installed?.onError) installed.onError(err);
  else process.nextTick(() => { throw err; });
}

/** The slice of the Web Worker API that jax-js uses: onmessage, onerror, postMessage, terminate. */
class WebWorker {
  onmessage: Handler<{ data: unknown }> = null;
  onerror: Handler<{ message: string; error: Error }> = null;
  #w: NodeWorker;
  #owed = 0; // messages posted that have not been answered yet
  #dead: Error | null = null;

  constructor(url: string | URL, _opts?: { type?: string }) {
    const href = String(url);
    const blob = href.startsWith('blob:') ? resolveObjectURL(href) : undefined;
    if (href.startsWith('blob:') && !blob) throw new Error(`Worker: unknown or revoked blob URL ${href}`);
    // execArgv: [] keeps the parent's `--import tsx` etc. out of the worker: it only runs plain JS + wasm.
    this.#w = new NodeWorker(BOOTSTRAP, { eval: true, execArgv: [], workerData: blob ? { blob } : { url: href } });
    // Unref'd while idle, so a finished script exits by itself; ref'd while a reply is owed, so a script
    // awaiting a kernel is not cut short (an unref'd worker does not keep the event loop alive).
    this.#w.unref();
    live++;
    this.#w.on('message', (data: unknown) => {
      if (this.#owed > 0 && --this.#owed === 0) this.#w.unref();
      const d = data as { type?: unknown; ok?: unknown; error?: unknown } | null;
      if (d && d.type === 'done' && d.ok === false) report(new Error(`wasm worker: ${String(d.error)}`));
      this.onmessage?.({ data });
    });
    this.#w.on('error', (err: Error) => this.#die(err));
    this.#w.on('exit', (code: number) => this.#die(new Error(`wasm worker exited unexpectedly (code ${code})`)));
  }

  postMessage(data: unknown, transfer?: readonly Transferable[]): void {
    if (this.#dead) {
      const error = String(this.#dead);
      setImmediate(() => this.onmessage?.({ data: { type: 'done', ok: false, error } }));
      return;
    }
    if (this.#owed++ === 0) this.#w.ref();
    this.#w.postMessage(data, transfer as never);
  }

  terminate(): void {
    if (!this.#dead) { this.#dead = new Error('worker terminated'); live--; }
    void this.#w.terminate();
  }

  /** A dead worker answers what it owes with failures, so jax-js's dispatch queue moves on instead of hanging. */
  #die(err: Error): void {
    if (this.#dead) return;
    this.#dead = err;
    live--;
    const owed = this.#owed;
    this.#owed = 0;
    this.onerror?.({ message: err.message, error: err });
    report(err);
    for (let i = 0; i < owed; i++) this.onmessage?.({ data: { type: 'done', ok: false, error: String(err) } });
  }
}

/**
 * Switches on jax-js's multi-threaded wasm backend in Node. Call before jax-js is first imported (e.g. in a
 * module imported ahead of it, or then `await import('@jax-js/jax')`). Idempotent: the first call's options win.
 * Does nothing where a global Worker already exists (browsers, Deno, Bun) or SharedArrayBuffer is missing.
 */
export function installWebWorkerShim(opts: WasmThreadsOptions = {}): void {
  if (installed || typeof (globalThis as { Worker?: unknown }).Worker !== 'undefined' || typeof SharedArrayBuffer === 'undefined') return;
  const threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
  installed = { ...opts, threads };
  const g = globalThis as Record<string, unknown>;
  // jax-js sizes its pool from navigator.hardwareConcurrency (else 4). Node 20 has no navigator; Node 21+ does.
  if (typeof g.navigator === 'undefined') {
    Object.defineProperty(globalThis, 'navigator', {
      value: { hardwareConcurrency: threads, userAgent: `Node.js/${process.versions.node.split('.')[0]}`, platform: process.platform },
      configurable: true, writable: true,
    });
  } else {
    Object.defineProperty(g.navigator, 'hardwareConcurrency', { value: threads, configurable: true });
  }
  // Blob and URL.createObjectURL are already global in Node 20; only Worker is missing.
  Object.defineProperty(globalThis, 'Worker', { value: WebWorker, configurable: true, writable: true });
}

/**
 * Threads jax-js's wasm backend uses: the workers it started (its pool starts on the first async dispatch),
 * else what it will start (same rule as jax-js's createWorkerPool), else 1 (main thread only).
 */
export function wasmThreads(): number {
  if (live > 0) return live;
  const g = globalThis as { Worker?: unknown; navigator?: { hardwareConcurrency?: number } };
  if (typeof SharedArrayBuffer === 'undefined' || typeof g.Worker === 'undefined') return 1;
  return Math.max(1, g.navigator?.hardwareConcurrency || 4);
}
