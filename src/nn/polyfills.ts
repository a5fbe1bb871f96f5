/**
 * jax-js 0.1.25 checks `data instanceof Float16Array` when building arrays; Node < 24 has no
 * Float16Array and throws a ReferenceError. An empty stand-in class makes the check false, which
 * is correct: nothing here ever passes float16 data.
 */
const g = globalThis as { Float16Array?: unknown };
g.Float16Array ??= class Float16ArrayUnavailable {};
export {};
