/** Checkpoint files: atomic writes (temp + rename) and loading with one-line errors. */
import { existsSync, readFileSync } from 'node:fs';
import type { JsTree, numpy as np } from '@jax-js/jax';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../data/layout.ts';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointMeta, type DecodedCheckpoint } from '../nn/checkpoint.ts';

export async function saveCheckpoint(path: string, trees: Record<string, JsTree<np.Array>>, meta: CheckpointMeta): Promise<number> {
  const bytes = await encodeCheckpoint(trees, meta);
  writeFileAtomic(path, bytes);
  return bytes.length;
}

export function loadCheckpoint(path: string): DecodedCheckpoint {
  if (!existsSync(path)) throw new InputError(`checkpoint not found: ${path}`);
  return decodeCheckpoint(readFileSync(path), `checkpoint ${path}`);
}
