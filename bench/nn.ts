/**
 * nn benchmark: train-step time and GFLOP/s of the three reference models on wasm with 1 and 2
 * threads (and WebGPU when asked and available), beside PyTorch CPU with the same thread counts
 * (Debian's python3-torch, bench only). Each setting runs in its own process: jax-js's device and
 * thread pool are process-wide. Ratios are only meaningful within one run on one machine.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { torchReference } from './torch.ts';
import type { Metrics } from './sim.ts';

const RUNNER = fileURLToPath(new URL('./nn-run.ts', import.meta.url));

interface RunResult {
  device: string;
  threads: number;
  error?: string;
  models?: Record<string, { step_ms: number; gflop_per_s: number; flops_per_step: number; first_step_ms: number; describe: string }>;
  agreement?: Record<string, number>;
}

function runSetting(args: string[], threads: number, timeoutMs = 9 * 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, UMWELT_WASM_THREADS: String(threads) };
    execFile(process.execPath, ['--import', 'tsx', RUNNER, ...args], { env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as RunResult);
      } catch {
        resolve({ device: args[1] ?? '?', threads: 0, error: (err?.message ?? stderr).split('\n')[0] });
      }
    });
  });
}

export interface NNBenchOptions {
  devices?: string[];
  log?: (s: string) => void;
  torch?: boolean;
  steps?: number;
}

export async function benchNN(o: NNBenchOptions = {}): Promise<Record<string, Metrics>> {
  const steps = String(o.steps ?? 20);
  const settings: [string, string[], number][] = [
    ['wasm_1t', ['--device', 'wasm', '--steps', steps], 1],
    ['wasm_2t', ['--device', 'wasm', '--steps', steps], 2],
  ];
  if ((o.devices ?? []).includes('webgpu')) {
    settings.push(['webgpu', ['--device', 'webgpu', '--steps', steps], 1]);
    settings.push(['webgpu_bs8x', ['--device', 'webgpu', '--steps', steps, '--batch-scale', '8'], 1]);
  }
  const runs: Record<string, RunResult> = {};
  for (const [label, args, threads] of settings) {
    o.log?.(`bench nn: ${label}`);
    runs[label] = await runSetting(args, threads);
    if (runs[label]!.error) o.log?.(`  ${label}: ${runs[label]!.error}`);
  }
  const torch: Record<string, Awaited<ReturnType<typeof torchReference>>> = {};
  if (o.torch !== false) {
    for (const t of [1, 2]) {
      o.log?.(`bench nn: pytorch cpu, ${t} thread(s)`);
      torch[`torch_${t}t`] = await torchReference(t);
    }
  }
  const out: Record<string, Metrics> = {};
  for (const model of ['mlp', 'cnn', 'transformer']) {
    const m: Metrics = {};
    for (const [label, r] of Object.entries(runs)) {
      const x = r.models?.[model];
      if (!x) continue;
      m[`${label}_step_ms`] = x.step_ms;
      m[`${label}_gflop_per_s`] = x.gflop_per_s;
      m[`${label}_first_step_ms`] = x.first_step_ms;
    }
    for (const [label, r] of Object.entries(torch)) {
      const x = r?.models[model];
      if (x) m[`${label}_step_ms`] = x.step_ms;
    }
    // Throughput ratios on the same cores (≥ 0.25 is the target).
    if (m.wasm_1t_step_ms && m.torch_1t_step_ms) m.wasm_vs_torch_1t = m.torch_1t_step_ms / m.wasm_1t_step_ms;
    if (m.wasm_2t_step_ms && m.torch_2t_step_ms) m.wasm_vs_torch_2t = m.torch_2t_step_ms / m.wasm_2t_step_ms;
    if (m.wasm_1t_step_ms && m.wasm_2t_step_ms) m.wasm_2t_speedup = m.wasm_1t_step_ms / m.wasm_2t_step_ms;
    if (m.webgpu_step_ms && m.wasm_1t_step_ms) m.webgpu_speedup_vs_wasm_1t = m.wasm_1t_step_ms / m.webgpu_step_ms;
    if (m.webgpu_bs8x_step_ms && m.wasm_1t_step_ms) m.webgpu_bs8x_throughput_vs_wasm_1t = (8 * m.wasm_1t_step_ms) / m.webgpu_bs8x_step_ms;
    out[model] = m;
  }
  const agree = runs.webgpu?.agreement;
  if (agree) out.webgpu_vs_wasm_agreement = agree;
  return out;
}
