/**
 * WebGPU for jax-js in Node through the optional `webgpu` package (Dawn; Vulkan on Linux).
 * Must run before the first jax-js init; returns false (never throws) when the package or a GPU
 * adapter is missing, so callers can fall back to wasm with a clear message.
 */
let installed: Promise<boolean> | undefined;

export function installNodeWebGPU(): Promise<boolean> {
  installed ??= (async () => {
    try {
      const mod = (await import('webgpu' as string)) as { create: (opts: string[]) => unknown; globals: Record<string, unknown> };
      Object.assign(globalThis, mod.globals);
      const gpu = mod.create([]) as { requestAdapter(): Promise<unknown> };
      const adapter = await gpu.requestAdapter();
      if (!adapter) return false;
      const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
      // Node 21+ has a read-only global navigator: extend it; Node 20 has none: create it.
      if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
      else (globalThis as { navigator?: unknown }).navigator = { gpu, userAgent: 'Node.js' };
      return true;
    } catch {
      return false;
    }
  })();
  return installed;
}
