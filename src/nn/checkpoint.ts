/**
 * Checkpoints: parameter/optimizer trees ↔ named tensors in safetensors, with JSON metadata
 * (model config, step, optimizer config, RNG/loader state). Loading checks every tensor's name,
 * shape and dtype against the model and fails with one line naming the first mismatch.
 */
import './polyfills.ts';
import { numpy as np, type JsTree } from '@jax-js/jax';
import { InputError } from '../errors.ts';
import { decodeSafetensors, encodeSafetensors, type SafeDtype, type Tensor } from './safetensors.ts';

type A = np.Array;
type Tree = JsTree<A>;

/** Depth-first (name, array) pairs; names join object keys and list indices with dots. */
export function namedLeaves(t: Tree, prefix = ''): [string, A][] {
  if (t instanceof np.Array) return [[prefix, t]];
  if (Array.isArray(t)) return t.flatMap((c, i) => namedLeaves(c as Tree, prefix ? `${prefix}.${i}` : String(i)));
  if (t && typeof t === 'object') {
    return Object.keys(t).sort().flatMap((k) => namedLeaves((t as Record<string, Tree>)[k]!, prefix ? `${prefix}.${k}` : k));
  }
  return [];
}

/** Rebuilds a tree with the same structure as `template`, taking leaves by name. */
export function fromNamed<T extends Tree>(template: T, get: (name: string, like: A) => A, prefix = ''): T {
  if (template instanceof np.Array) return get(prefix, template) as T;
  if (Array.isArray(template)) return template.map((c, i) => fromNamed(c as Tree, get, prefix ? `${prefix}.${i}` : String(i))) as T;
  const out: Record<string, Tree> = {};
  for (const k of Object.keys(template as object)) out[k] = fromNamed((template as Record<string, Tree>)[k]!, get, prefix ? `${prefix}.${k}` : k);
  return out as T;
}

const DTYPE: Record<string, SafeDtype> = { float32: 'F32', float64: 'F64', int32: 'I32', uint32: 'U32', bool: 'BOOL' };

/** Reads arrays back to the host (consumes nothing: takes refs). */
export async function toTensors(trees: Record<string, Tree>): Promise<Record<string, Tensor>> {
  const out: Record<string, Tensor> = {};
  for (const [group, t] of Object.entries(trees)) {
    for (const [name, arr] of namedLeaves(t)) {
      const dtype = DTYPE[String(arr.dtype)];
      if (!dtype) throw new Error(`cannot checkpoint dtype ${arr.dtype} (${group}.${name})`);
      const data = await arr.ref.data();
      out[`${group}.${name}`] = { dtype, shape: [...arr.shape], data: dtype === 'BOOL' ? Uint8Array.from(data as ArrayLike<number>) : (data as Tensor['data']) };
    }
  }
  return out;
}

export interface CheckpointMeta {
  format: 'umwelt-checkpoint/1';
  step: number;
  /** Everything needed to rebuild the model and continue training. */
  config: Record<string, unknown>;
  [extra: string]: unknown;
}

export async function encodeCheckpoint(trees: Record<string, Tree>, meta: CheckpointMeta): Promise<Uint8Array> {
  return encodeSafetensors(await toTensors(trees), { umwelt: JSON.stringify(meta) });
}

export interface DecodedCheckpoint {
  meta: CheckpointMeta;
  tensors: Record<string, Tensor>;
}

export function decodeCheckpoint(bytes: Uint8Array, what = 'checkpoint'): DecodedCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, what);
  if (!metadata.umwelt) throw new InputError(`${what} has no umwelt metadata`, 'it was not written by umwelt train');
  const meta = JSON.parse(metadata.umwelt) as CheckpointMeta;
  return { meta, tensors };
}

/** Arrays for `group` shaped like `template`; one-line error on a missing or mismatched tensor. */
export function restoreTree<T extends Tree>(ckpt: DecodedCheckpoint, group: string, template: T, what = 'checkpoint'): T {
  return fromNamed(template, (name, like) => {
    const key = `${group}.${name}`;
    const t = ckpt.tensors[key];
    if (!t) throw new InputError(`${what} lacks tensor '${key}'`, 'the checkpoint belongs to a different model configuration');
    if (t.shape.join(',') !== like.shape.join(',')) {
      throw new InputError(`${what}: tensor '${key}' has shape [${t.shape}], the model expects [${like.shape}]`, 'the checkpoint belongs to a different model configuration');
    }
    const want = DTYPE[String(like.dtype)];
    if (t.dtype !== want) throw new InputError(`${what}: tensor '${key}' is ${t.dtype}, the model expects ${want}`);
    const arr = t.dtype === 'BOOL' ? np.array(Array.from(t.data, Boolean)) : np.array(t.data as never);
    return arr.reshape(t.shape);
  });
}
