/**
 * PyTorch CPU reference for the training benchmarks: runs bench/torch_ref.py with Debian's Python
 * (`apt-get install python3-torch libopenblas0-pthread`) and returns its median step times. Bench
 * only — PyTorch is never a project dependency; without it the reference is simply absent (null).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface TorchModelResult {
  step_ms: number;
  gflop_per_s: number;
  flops_per_step: number;
}

export interface TorchReference {
  torch: string;
  threads: number;
  models: Record<string, TorchModelResult>;
}

/** Debian's interpreter: pyenv's python3 may shadow it on PATH and lacks python3-torch. */
const PYTHON = process.env.UMWELT_TORCH_PYTHON || '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_ref.py', import.meta.url));
const TIMEOUT_MS = 5 * 60_000;

function isModelResult(v: unknown): v is TorchModelResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return ['step_ms', 'gflop_per_s', 'flops_per_step'].every((k) => Number.isFinite(r[k]) && typeof r[k] === 'number');
}

function parseReference(stdout: string): TorchReference | null {
  // The script prints one JSON object; take the last non-empty line in case anything else leaked.
  const line = stdout.trim().split('\n').pop();
  if (!line) return null;
  const v: unknown = JSON.parse(line);
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.torch !== 'string' || typeof o.threads !== 'number') return null;
  if (typeof o.models !== 'object' || o.models === null) return null;
  const models: Record<string, TorchModelResult> = {};
  for (const [name, r] of Object.entries(o.models)) {
    if (!isModelResult(r)) return null;
    models[name] = { step_ms: r.step_ms, gflop_per_s: r.gflop_per_s, flops_per_step: r.flops_per_step };
  }
  return { torch: o.torch, threads: o.threads, models };
}

/**
 * Median training-step times (forward + MSE loss + backward + AdamW, float32) of PyTorch on the CPU
 * for the mlp, cnn and transformer benchmark models with `threads` threads. Returns null — never
 * throws — when python3 or torch is missing, the script fails or times out, or its output is bad.
 */
export async function torchReference(threads: number): Promise<null | TorchReference> {
  const n = Math.max(1, Math.floor(threads));
  return new Promise((resolve) => {
    try {
      execFile(
        PYTHON,
        [SCRIPT, '--threads', String(n)],
        {
          encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 1 << 20,
          env: { ...process.env, PYTHONNOUSERSITE: '1' },
        },
        (err, stdout) => {
          if (err) return resolve(null);
          try {
            resolve(parseReference(stdout));
          } catch {
            resolve(null);
          }
        },
      );
    } catch {
      resolve(null);
    }
  });
}
