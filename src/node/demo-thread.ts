/** Runs a world's demo pipeline in a worker thread (one core each), and maps its results to the report. */
import { Worker } from 'node:worker_threads';
import { UmweltError } from '../errors.ts';
import { costOf } from '../ledger/ledger.ts';
import type { WorldModelSection } from '../eval/report.ts';
import type { DemoProgress, DemoWorldOptions, DemoWorldResult } from './demo-world.ts';

/** Runs one world's pipeline (collect → train → score → plan) in its own worker thread. */
export function runDemoWorldInThread(options: Omit<DemoWorldOptions, 'onProgress'>, onProgress: (p: DemoProgress) => void = () => {}): Promise<DemoWorldResult> {
  const world = options.world;
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
    workerData: { __module: new URL('./demo-worker.ts', import.meta.url).href, options },
  });
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    worker.on('message', (m: { type: string; progress?: DemoProgress; result?: DemoWorldResult; message?: string; hint?: string; stack?: string }) => {
      if (m.type === 'progress') onProgress(m.progress!);
      else if (m.type === 'done') { settled = true; resolvePromise(m.result!); void worker.terminate(); }
      else if (m.type === 'error') {
        settled = true;
        reject(m.stack ? Object.assign(new Error(`${world}: ${m.message}`), { stack: m.stack }) : new UmweltError(`${world}: ${m.message}`, m.hint));
        void worker.terminate();
      }
    });
    worker.on('error', (e) => { if (!settled) { settled = true; reject(e); } });
    worker.on('exit', (code) => { if (!settled) { settled = true; reject(new Error(`${world} demo thread exited (code ${code})`)); } });
  });
}

/** The report section of one world's world-model results. */
export function worldModelSection(r: DemoWorldResult): WorldModelSection {
  const planEntry = r.plan.compute;
  const compute = [
    ...r.ledger.map((e) => ({ name: `train ${e.name}`, flops: e.flops, seconds: e.seconds, usd: costOf(e) })),
    { name: `plan ${r.plan.episodes} held-out episodes`, flops: planEntry.flops, seconds: planEntry.seconds, usd: planEntry.cost_usd },
  ];
  const pc = r.plan.planner;
  const energy = pc.energy === 'reach-time' ? 'the learned time-to-reach from predicted latents to the goal embedding'
    : `the ${pc.energy === 'min' ? 'smallest' : pc.energy === 'final' ? 'last' : 'summed'} distance between predicted embeddings and the goal embedding${pc.revisit.weight > 0 ? `, plus a cost (weight ${pc.revisit.weight}) on returning to embeddings this episode has already observed` : ''}`;
  const m = r.recipe.model;
  const data = ['noisy expert', ...(r.recipe.playEpisodes ? ['random-walk play'] : []), ...(r.recipe.holdPlayEpisodes ? ['wall-pushing play'] : [])].join(' + ');
  const model = m.latent === 'map' ? `images only; an 8×8 latent map${m.readout === 'keypoints' ? ' read out as keypoints' : ''}, convolutional predictor${m.frameSkip && m.frameSkip > 1 ? `, one model step per ${m.frameSkip} environment steps` : ''}` : `image${m.proprio ? ' + proprioception' : ''}; vector latent`;
  return {
    kStep: Object.entries(r.eval.k_step).filter(([, v]) => v).map(([k, v]) => ({ k: Number(k), ratio: v!.ratio })),
    shuffledRatio: r.eval.shuffled_actions_ratio,
    probe: { targets: r.eval.probe.targets, encoded: r.eval.probe.r2_encoded, predicted: r.eval.probe.r2_predicted },
    effectiveRank: r.eval.effective_rank,
    latentDim: r.eval.latent_dim,
    lossCurve: r.train.loss_curve,
    dream: r.dream,
    compute,
    costPerSuccess: planEntry.cost_per_success_usd,
    notes: `Trained ${r.train.steps} steps (${r.train.seconds.toFixed(0)} s) on ${r.data.train.episodes} train-split episodes (${r.data.train.frames} frames; ${data}; ${model}); scored on ${r.eval.episodes} held-out episodes. Planner: ${pc.method.toUpperCase()} over ${pc.horizon}-step action sequences (${pc.samples} samples × ${pc.iterations} iterations), energy = ${energy}, replanning every ${pc.chunk > 1 ? `${pc.chunk} steps` : 'step'}.`,
  };
}

