/**
 * The demo's pipeline for one world, end to end: collect play data on `train` scenes → train the
 * JEPA world model (with the time-to-reach head when the recipe asks for it) → score the model on
 * held-out data → plan on held-out scenes beside random and oracle → a "dream vs reality" strip.
 * Datasets and the run live in one folder, so a crashed demo loses nothing and a re-run resumes
 * (datasets are topped up to the recipe's size, training resumes from its checkpoint).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import '../nn/polyfills.ts';
import { jit, numpy as np, tree } from '@jax-js/jax';
import { collectDataset, type CollectSummary } from './collect.ts';
import { planEpisodes, type PlanSummary } from './plan-run.ts';
import { openDataset, readJsonl, type Dataset } from '../data/reader.ts';
import { trainWorldModel, loadWorldModel, runPaths, type TrainWorldModelOptions } from '../train/worldmodel.ts';
import { PLANNER_DEFAULTS, type PlannerConfig } from '../plan/latent-planner.ts';
import { evalWorldModel, type WorldModelEval } from '../eval/worldmodel-eval.ts';
import { chunkedFrameEncoder, rolloutLatents, type WorldModelParams } from '../models/worldmodel/model.ts';
import { frameSkip, latentSize, type WorldModelConfig } from '../models/worldmodel/config.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';

type A = np.Array;

/** Training options a demo recipe may set (the data, output folder, seed and length come from the pipeline). */
export type DemoModelOptions = Omit<TrainWorldModelOptions, 'data' | 'out' | 'steps' | 'seed' | 'timeLimit' | 'onStep' | 'onWarning' | 'device'>;

/** Per-world recipe: what data, which model and how long to train it, how to plan. */
export interface DemoRecipe {
  /** Noisy-expert episodes, plus play (random-walk) episodes that bump into things. */
  expertEpisodes: number;
  playEpisodes: number;
  /** Play episodes that hold each random action 10–40 steps (long pushes into walls; default 0). */
  holdPlayEpisodes?: number;
  steps: number;
  model: DemoModelOptions;
  heldoutEpisodes: number;
  planEpisodes: number;
  planner: Partial<Pick<PlannerConfig, 'samples' | 'iterations' | 'horizon' | 'energy'>> & { revisit?: number };
}

/** Images + proprioception, vector latent (reach's recipe; see docs/worldmodel.md). */
const VECTOR_MODEL: DemoModelOptions = { proprio: true, idmWeight: 1, temporalWeight: 0.5 };

/**
 * Images only: an 8×8 latent map read out as keypoints, a convolutional predictor stepping three
 * environment steps at a time (two-room's recipe in docs/worldmodel.md, scaled to the demo's budget:
 * 32 hidden channels and batch 16 train ~2.7× faster per step than the full recipe's 64 and 32).
 */
const mapModel = (idmWarmup: number): DemoModelOptions => ({
  latent: 'map', readout: 'keypoints', centerImages: true, idmWeight: 2, idmGap: 2, idmWarmup, idmRamp: idmWarmup, temporalWeight: 0,
  planRolloutWeight: 1, planRolloutWeighting: 'motion', planRolloutInputGrad: true, mapHidden: 32, batch: 16, frameSkip: 3,
});

export const DEMO_RECIPES: Record<string, { full: DemoRecipe; quick: DemoRecipe }> = {
  reach: {
    full: { expertEpisodes: 600, playEpisodes: 0, steps: 1000, model: VECTOR_MODEL, heldoutEpisodes: 40, planEpisodes: 20, planner: { samples: 128, iterations: 3, horizon: 12 } },
    quick: { expertEpisodes: 150, playEpisodes: 0, steps: 250, model: VECTOR_MODEL, heldoutEpisodes: 12, planEpisodes: 6, planner: { samples: 64, iterations: 2, horizon: 12 } },
  },
  // Planning: the smallest distance to the goal embedding over a 30-step plan, plus a cost on
  // returning to embeddings already seen this episode (frees an agent stuck against the wall).
  // --quick checks the pipeline only: its images-only encoder needs ~350 IDM steps to find the
  // agent, more than a 3-minute demo can train, so its two-room model does not plan.
  'two-room': {
    full: { expertEpisodes: 300, playEpisodes: 100, holdPlayEpisodes: 100, steps: 900, model: mapModel(400), heldoutEpisodes: 24, planEpisodes: 20, planner: { samples: 96, iterations: 3, horizon: 30, energy: 'min', revisit: 0.3 } },
    quick: { expertEpisodes: 100, playEpisodes: 40, holdPlayEpisodes: 40, steps: 200, model: mapModel(100), heldoutEpisodes: 12, planEpisodes: 6, planner: { samples: 48, iterations: 2, horizon: 30, energy: 'min', revisit: 0.3 } },
  },
};

export interface DemoProgress { world: string; stage: string; done: number; total: number }

export interface DemoWorldOptions {
  world: string;
  out: string;
  recipe: DemoRecipe;
  seed?: number;
  /** Threads that plan held-out episodes side by side (default 1; the demo uses the cores the other world has left). */
  plannerWorkers?: number;
  onProgress?: (p: DemoProgress) => void;
}

export interface DreamStrip {
  /** PNG data URIs: the real future frames and, under each, the training frame nearest to the predicted latent. */
  real: string[];
  dream: string[];
  caption: string;
}

export interface DemoWorldResult {
  world: string;
  recipe: DemoRecipe;
  /** Datasets used (episodes, frames) and what this invocation collected. */
  data: { train: { episodes: number; frames: number }; heldout: { episodes: number; frames: number }; collected: CollectSummary[] };
  train: { steps: number; seconds: number; loss_curve: { step: number; teacher: number; rollout: number }[] };
  eval: WorldModelEval;
  plan: PlanSummary;
  dream: DreamStrip;
  ledger: LedgerEntry[];
  seconds: number;
  /** Wall seconds of each stage: collect, train, score (eval + dream strip), plan (planner + baselines). */
  stage_seconds: Record<string, number>;
}

/** Collects until the dataset holds `want` episodes (appending after an interrupted run); null when it already does. */
async function collectUpTo(o: Omit<Parameters<typeof collectDataset>[0], 'episodes' | 'append'>, want: number): Promise<CollectSummary | null> {
  const exists = existsSync(join(o.out, 'meta', 'info.json'));
  const have = exists ? (await openDataset(o.out)).episodes.length : 0;
  if (have >= want) return null;
  return collectDataset({ ...o, episodes: want - have, append: exists });
}

export async function runDemoWorld(o: DemoWorldOptions): Promise<DemoWorldResult> {
  const t0 = performance.now();
  const r = o.recipe;
  const seed = o.seed ?? 0;
  const report = (stage: string, done: number, total: number) => o.onProgress?.({ world: o.world, stage, done, total });
  const trainDir = join(o.out, 'data-train'), heldDir = join(o.out, 'data-heldout'), run = join(o.out, 'world-model');

  // 1. Data: noisy-expert demonstrations (+ play) on train scenes; held-out episodes for scoring.
  //    Episode i of the demonstrations uses seed + i; play episodes use seeds from 500,000.
  const train: CollectSummary[] = [];
  //    Hold-play episodes (each random action held 10–40 steps) use seeds from 700,000.
  const hold = r.holdPlayEpisodes ?? 0;
  const want = r.expertEpisodes + r.playEpisodes + hold;
  let n = 0;
  const tick = () => report('collect', ++n, want);
  const demos = await collectUpTo({ world: o.world, policy: 'noisy-expert', split: 'train', seed, out: trainDir, workers: 1, onEpisode: tick }, r.expertEpisodes);
  if (demos) train.push(demos);
  if (r.playEpisodes > 0) {
    const play = await collectUpTo({ world: o.world, policy: 'play', split: 'train', seed: 500_000 - r.expertEpisodes, out: trainDir, workers: 1, onEpisode: tick }, r.expertEpisodes + r.playEpisodes);
    if (play) train.push(play);
  }
  if (hold > 0) {
    const held = await collectUpTo({ world: o.world, policy: 'play', noise: { hold: [10, 40] }, split: 'train', seed: 700_000 - r.expertEpisodes - r.playEpisodes, out: trainDir, workers: 1, onEpisode: tick }, want);
    if (held) train.push(held);
  }
  n = 0;
  await collectUpTo({ world: o.world, policy: 'noisy-expert', split: 'heldout', seed: 100_000, out: heldDir, workers: 1, onEpisode: () => report('collect held-out', ++n, r.heldoutEpisodes) }, r.heldoutEpisodes);
  const trainInfo = await openDataset(trainDir);
  const heldInfo = await openDataset(heldDir);

  // 2. World model (+ time-to-reach head).
  const tTrain = performance.now();
  const stages: Record<string, number> = { collect: (tTrain - t0) / 1000 };
  const trained = await trainWorldModel({ ...r.model, data: trainDir, out: run, steps: r.steps, seed, onStep: (s, total) => report('train world model', s, total) });
  const wm = loadWorldModel(run);
  const trainSeconds = (performance.now() - tTrain) / 1000;

  // 3. How well it predicts, on held-out scenes.
  stages.train = (performance.now() - tTrain) / 1000;
  const tScore = performance.now();
  report('score world model', 0, 1);
  const evaluation = await evalWorldModel(wm.params, wm.config, heldInfo, { seed });
  const dream = await dreamStrip(wm.params, wm.config, heldInfo, trainInfo);
  tree.dispose(wm.params);

  // 4. Plan on held-out scenes, with random and oracle on the same seeds.
  stages.score = (performance.now() - tScore) / 1000;
  const tPlan = performance.now();
  let planned = 0;
  const plan = await planEpisodes({
    run, world: o.world, split: 'heldout', episodes: r.planEpisodes, seed: 0, workers: 1, plannerWorkers: o.plannerWorkers ?? 1, planner: plannerConfig(r.planner),
    onEpisode: (label) => { if (label === 'planner') report('plan on held-out scenes', ++planned, r.planEpisodes); },
  });

  stages.plan = (performance.now() - tPlan) / 1000;
  const ledger = (JSON.parse(readFileSync(runPaths(run).ledger, 'utf8')) as { entries: LedgerEntry[] }).entries;
  return {
    world: o.world, recipe: r,
    data: {
      train: { episodes: trainInfo.episodes.length, frames: Number(trainInfo.info.total_frames) },
      heldout: { episodes: heldInfo.episodes.length, frames: Number(heldInfo.info.total_frames) },
      collected: train,
    },
    train: { steps: trained.steps, seconds: trainSeconds, loss_curve: lossCurve(runPaths(run).metrics) },
    eval: evaluation, plan, dream, ledger, seconds: (performance.now() - t0) / 1000, stage_seconds: stages,
  };
}

/** A recipe's planner settings as the planner takes them (the revisit cost is a weight with the default width). */
export function plannerConfig(p: DemoRecipe['planner']): Partial<PlannerConfig> {
  const { revisit, ...rest } = p;
  return revisit ? { ...rest, revisit: { ...PLANNER_DEFAULTS.revisit, weight: revisit } } : rest;
}

/** Teacher-forcing and rollout losses from metrics.jsonl (world-model stage). */
function lossCurve(path: string): { step: number; teacher: number; rollout: number }[] {
  return readJsonl(path)
    .filter((m) => m.stage === undefined && typeof m.teacher === 'number')
    .map((m) => ({ step: Number(m.step), teacher: Number(m.teacher), rollout: Number(m.rollout) }));
}

const pngUri = (rgb: Uint8Array, size: number) => `data:image/png;base64,${Buffer.from(encodePng({ width: size, height: size, data: rgb, channels: 3 })).toString('base64')}`;

/**
 * Dream vs reality, for looking only: roll the predictor from the start of a held-out episode with
 * its true actions, and show for each predicted latent the training frame whose encoding is
 * nearest (nearest-neighbour retrieval: no pixels are generated). The training scenes differ from
 * the held-out one (colours, layout), so read the agent's pose, not the scenery.
 */
export async function dreamStrip(params: WorldModelParams, c: WorldModelConfig, held: Dataset, train: Dataset, steps = 8, bankEpisodes = 60): Promise<DreamStrip> {
  const embed = chunkedFrameEncoder(params, c);
  const D = latentSize(c);
  // Retrieval bank: frames of the first training episodes.
  const bank: { z: Float32Array; rgb: Uint8Array }[] = [];
  for (let e = 0; e < Math.min(bankEpisodes, train.episodes.length); e++) {
    const ep = await train.readEpisode(e);
    const frames = ep.images[c.imageKey]!;
    const z = await embed(frames, ep.state);
    frames.forEach((rgb, i) => bank.push({ z: z.subarray(i * D, (i + 1) * D), rgb }));
  }
  // The first held-out episode long enough for the strip. A model with frame skip F steps every
  // F-th frame, on the mean of the F actions in between (as in training).
  const F = frameSkip(c), H = c.history;
  let idx = 0;
  while (idx < held.episodes.length - 1 && held.episodes[idx]!.length < (H + steps) * F) idx++;
  const ep = await held.readEpisode(idx);
  const frames = ep.images[c.imageKey]!;
  const at = (j: number) => j * F; // frame index of model step j
  const K = Math.max(0, Math.min(steps, Math.floor((frames.length - 1) / F) - (H - 1)));
  const histIdx = Array.from({ length: H }, (_, h) => at(h));
  const z = await embed(histIdx.map((i) => frames[i]!), histIdx.map((i) => ep.state[i]!));
  const acts = new Float32Array(K * c.actionDim);
  for (let j = 0; j < K; j++) {
    for (let f = 0; f < F; f++) ep.action[at(H - 1 + j) + f]!.forEach((a, d) => { acts[j * c.actionDim + d]! += a / F; });
  }
  const roll = jit((p: WorldModelParams['predictor'], hist: A, a: A) => rolloutLatents(p, hist, a, c));
  const pred = (await roll(tree.ref(params.predictor), np.array(z as Float32Array<ArrayBuffer>).reshape([1, c.history, D]), np.array(acts).reshape([1, K, c.actionDim])).data()) as Float32Array;
  const real: string[] = [], dream: string[] = [];
  for (let j = 0; j < K; j++) {
    const q = pred.subarray(j * D, (j + 1) * D);
    let best = 0, bestD = Infinity;
    bank.forEach((b, i) => {
      let d = 0;
      for (let k = 0; k < D; k++) d += (b.z[k]! - q[k]!) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    });
    real.push(pngUri(frames[at(H + j)]!, c.imageSize));
    dream.push(pngUri(bank[best]!.rgb, c.imageSize));
  }
  const span = F > 1 ? `steps ${at(H)}–${at(H + K - 1)}, every ${F} steps` : `steps ${H}–${H + K - 1}`;
  return { real, dream, caption: `held-out episode ${idx}: top row, what happened (${span}); bottom row, the training frame nearest to the model's ${K}-step latent prediction from ${H} frames and the true actions (retrieval from ${bank.length} training frames; no pixels are generated)` };
}
