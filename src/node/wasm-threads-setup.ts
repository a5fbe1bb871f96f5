/**
 * Import this module before anything imports @jax-js/jax to run jax-js's Wasm kernels on worker
 * threads: jax-js decides on threads when its module loads. The thread count comes from
 * UMWELT_WASM_THREADS (unset or 1: single-threaded, no shim).
 * Measured on 2 cores: large matmuls ~1.9× faster; small-kernel training steps can be slower
 * (one message round trip per kernel) — see docs/nn.md.
 */
import { installWebWorkerShim } from './wasm-threads.ts';

const threads = Number(process.env.UMWELT_WASM_THREADS ?? '1');
if (Number.isInteger(threads) && threads > 1) installWebWorkerShim({ threads });
