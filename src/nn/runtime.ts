/**
 * Device selection for jax-js. Choose the device before creating parameters or PRNG keys:
 * arrays stay on the device where they were created and ops follow their inputs.
 * Browser-safe: Node's WebGPU (the optional `webgpu` package) is installed by src/node/webgpu.ts.
 */
import './polyfills.ts';
import { defaultDevice, init } from '@jax-js/jax';
import { InputError } from '../errors.ts';

export type NNDevice = 'wasm' | 'webgpu' | 'cpu';
export const NN_DEVICES: readonly NNDevice[] = ['wasm', 'webgpu', 'cpu'];

let ready: Promise<string[]> | undefined;

/** Starts jax-js backends once; returns the devices that came up. */
export function startBackends(): Promise<string[]> {
  ready ??= init('wasm', ...(typeof navigator !== 'undefined' && (navigator as { gpu?: unknown }).gpu ? ['webgpu' as const] : []));
  return ready;
}

/** Makes `device` the default for new arrays; a clear error when it is not available. */
export async function useDevice(device: NNDevice = 'wasm'): Promise<NNDevice> {
  if (!NN_DEVICES.includes(device)) throw new InputError(`unknown device '${device}'`, `valid devices: ${NN_DEVICES.join(', ')}`);
  const have = await startBackends();
  if (!have.includes(device)) {
    throw new InputError(`device '${device}' is not available here (found: ${have.join(', ')})`,
      device === 'webgpu' ? 'WebGPU needs a GPU and, in Node, the optional npm package `webgpu`; use --device wasm' : undefined);
  }
  defaultDevice(device);
  return device;
}
