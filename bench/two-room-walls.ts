/**
 * Does a two-room world model know that walls block and doors let through? On scenes whose target
 * is in the other room, it compares two open-loop action sequences of H steps: straight at the
 * target (the true agent stops at the wall) and the expert's (through the door). For each, the
 * agent position decoded from the predicted latents (a linear probe fitted on encoded frames of
 * other scenes) is compared with the simulator's, and the planner's energy (closest predicted
 * approach to the goal embedding) says which sequence the model prefers.
 *
 *   node --import tsx bench/two-room-walls.ts RUN [--split train|heldout] [--seed 0] [--horizon 30] [--scenes 20] [--wall-scan N] [--json]
 *
 * Scenes are the split's seeds from `--seed` on. Training scenes at the seeds a dataset was collected
 * with (`collect --seed`, 0 by default) are layouts the model was trained on, start and target
 * included; `--split train --seed 300000` gives fresh layouts from the training bands.
 *
 * A model that knows the wall: straight paths never cross it in prediction, and it prefers the
 * expert's sequence. Where the rollouts leak, the one-step *blocked-step leak* says why: along the
 * straight and expert paths, one teacher-forced model step (true history frames) at each step where the wall
 * stops the agent's push (true move < 30 % of the commanded one) vs free steps (> 70 %): the
 * predicted move toward the wall ÷ the commanded one (a model that knows the wall: ~0 blocked,
 * ~1 free). For map latents it also scores how clearly the map shows the wall and the
 * door at all (per-cell linear probe, ROC AUC). Prints one line per scene and a summary (or one
 * JSON object).
 *
 * `--wall-scan N` measures instead the blocked-step leak as a function of the wall's x: training
 * scenes with the wall moved to each of 33 positions from −0.4 to 0.4 m (N scenes each, the agent
 * pushed straight into the wall from 0.6 m away, half from each side, away from the door). The
 * 8×8 map's cells are 8 px (0.26 m) wide, so a leak that repeats with that period depends on where
 * the wall sits inside its cell, not on the wall position as such.
 */
import { parseArgs } from 'node:util';
import { numpy as np, tree } from '@jax-js/jax';
import { loadWorldModel } from '../src/train/worldmodel.ts';
import { LatentPlanner } from '../src/plan/latent-planner.ts';
import { WorldEnv } from '../src/env/world-env.ts';
import { getWorld } from '../src/worlds/index.ts';
import { makePolicy } from '../src/experts/index.ts';
import { readout, rolloutLatents } from '../src/models/worldmodel/model.ts';
import { frameSkip, latentSize, mapSize } from '../src/models/worldmodel/config.ts';
import { linearProbeFit } from '../src/eval/linalg.ts';
import { useDevice } from '../src/nn/runtime.ts';
import { Rng } from '../src/rng.ts';
import type { Observation } from '../src/env/types.ts';
import { WALL_T, type TwoRoomScene } from '../src/worlds/two-room.ts';

const { positionals, values: o } = parseArgs({ allowPositionals: true, options: {
  split: { type: 'string', default: 'train' }, seed: { type: 'string', default: '0' }, horizon: { type: 'string', default: '30' }, scenes: { type: 'string', default: '20' }, 'wall-scan': { type: 'string' }, json: { type: 'boolean' },
} });
const run = positionals[0];
const firstSeed = Number(o.seed);
if (!run || (o.split !== 'train' && o.split !== 'heldout') || !Number.isInteger(firstSeed) || firstSeed < 0) {
  console.error('usage: node --import tsx bench/two-room-walls.ts RUN [--split train|heldout] [--seed 0] [--horizon 30] [--scenes 20] [--wall-scan N] [--json]');
  process.exit(2);
}
const split = o.split;
const H = Number(o.horizon), wanted = Number(o.scenes);
await useDevice('wasm');
const { config, params } = loadWorldModel(run);
const planner = new LatentPlanner(params, config, {});
/** Wall scan: while `wallX` is set, scenes are training scenes with the wall there and a straight push into it. */
const scan: { wallX: number | null; side: 1 | -1 } = { wallX: null, side: 1 };
const world = getWorld('two-room') as unknown as { sampleScene: (split: 'train' | 'heldout', seed: number) => TwoRoomScene };
const scanWorld = { ...world, sampleScene: (sp: 'train' | 'heldout', seed: number): TwoRoomScene => {
  const s = world.sampleScene(sp, seed);
  if (scan.wallX === null) return s;
  // The middle of the longer wall segment, so the push meets the wall, not the door.
  const y = s.doorY > 0 ? (-1 + s.doorY - s.doorW / 2) / 2 : (1 + s.doorY + s.doorW / 2) / 2;
  const x0 = Math.max(-0.88, Math.min(0.88, scan.wallX - scan.side * 0.6));
  return { ...s, wallX: scan.wallX, start: [x0, y], target: [scan.wallX + scan.side * 0.3, y] };
} };
const env = await WorldEnv.create(scanWorld as never, { images: true, size: config.imageSize });
const expert = makePolicy('expert', 'two-room');
const key = config.imageKey as 'observation.images.top';
const L = latentSize(config), d = config.latentDim, F = frameSkip(config);
/** Half the top camera's view, m (64 px span 2.08 m). */
const CAMERA_HALF_M = 1.04;
if (H % F !== 0) { console.error(`--horizon ${H} is not a multiple of the model's frame skip ${F}`); process.exit(2); }
/** Environment steps the position errors are reported at: model-step boundaries nearest 1/3, 2/3 and all of H. */
const stepsAt = [H / 3, (2 * H) / 3, H].map((k) => Math.max(F, Math.round(k / F) * F));

/** Planning embeddings of latents (readout of map latents). */
function embeddings(z: Float32Array, rows: number): Float32Array[] {
  const e = readout(params.readout ? tree.ref(params.readout) : undefined, np.array(z as Float32Array<ArrayBuffer>).reshape([rows, L]), config).dataSync() as Float32Array;
  return Array.from({ length: rows }, (_, i) => e.slice(i * d, (i + 1) * d));
}
const latentOf = (obs: Observation) => planner.embed(obs[key]!, obs['observation.state']);
const agentOf = (obs: Observation) => [obs['observation.state']![0]!, obs['observation.state']![1]!];
/** Predicted embeddings of an open-loop action sequence from a still start (history = [z0, z0]). */
function rollout(z0: Float32Array, envActions: number[][]): Float32Array[] {
  // A frame-skip model takes one step per F actions: their mean.
  const actions = Array.from({ length: Math.floor(envActions.length / F) }, (_, m) =>
    envActions[m * F]!.map((_, a) => envActions.slice(m * F, (m + 1) * F).reduce((sum, act) => sum + act[a]! / F, 0)));
  const hist = new Float32Array(config.history * L);
  for (let i = 0; i < config.history; i++) hist.set(z0, i * L);
  const z = rolloutLatents(tree.ref(params.predictor), np.array(hist).reshape([1, config.history, L]),
    np.array(Float32Array.from(actions.flat())).reshape([1, actions.length, config.actionDim]), config);
  return embeddings(Float32Array.from(z.dataSync() as Float32Array), actions.length);
}
/**
 * Runs actions in the simulator from the scene's start: positions after each step and the encoded
 * planning embedding at each model-step boundary (held at the end), so the energy the model would
 * get from a perfect predictor can be set beside the one it predicts.
 */
function simulate(seed: number, actions: number[][]): { pos: number[][]; emb: Float32Array[] } {
  let obs = env.reset({ seed, split }).obs;
  const pos: number[][] = [], emb: Float32Array[] = [];
  for (const a of actions) {
    const r = env.step(Float64Array.from(a));
    obs = r.obs;
    pos.push(agentOf(obs));
    if (pos.length % F === 0) emb.push(embeddings(latentOf(obs), 1)[0]!);
    if (r.terminated || r.truncated) break;
  }
  while (pos.length < actions.length) pos.push(pos[pos.length - 1]!);
  while (emb.length < Math.floor(actions.length / F)) emb.push(emb[emb.length - 1] ?? embeddings(latentOf(obs), 1)[0]!);
  return { pos, emb };
}

// Probe: encoded frames of 30 other training scenes (expert steps alternating with random ones).
const feats: number[] = [], pos: number[] = [];
const rng = new Rng(0, 'two-room-walls/probe');
for (let seed = 100000; seed < 100030; seed++) {
  let obs = env.reset({ seed, split: 'train' }).obs;
  expert.reset(env, seed);
  for (let t = 0; t < 60; t++) {
    feats.push(...embeddings(latentOf(obs), 1)[0]!);
    pos.push(...agentOf(obs));
    const r = env.step(t % 2 ? expert.act(obs, env) : Float64Array.from([rng.uniform(-1, 1), rng.uniform(-1, 1)]));
    obs = r.obs;
    if (r.terminated || r.truncated) break;
  }
}
const rows = pos.length / 2;
const probe = linearProbeFit(feats, pos, d, 2, Array.from({ length: rows }, (_, i) => i));

/** Per model step along a path: kind, predicted and true move toward the wall ÷ commanded. */
type LeakStep = { kind: 'blocked' | 'free'; predicted: number; truth: number };
/**
 * One teacher-forced model step at each model step of an action sequence from the scene's start
 * (history: the true frames F apart), scored on the x move toward the wall.
 */
function leakSteps(seed: number, actions: number[][], s: TwoRoomScene): LeakStep[] {
  let obs = env.reset({ seed, split }).obs;
  const zs: Float32Array[] = [latentOf(obs)], xs: number[][] = [agentOf(obs)];
  for (const a of actions) {
    const r = env.step(Float64Array.from(a));
    obs = r.obs;
    zs.push(latentOf(obs));
    xs.push(agentOf(obs));
    if (r.terminated || r.truncated) break;
  }
  const cand: { t: number; act: number[]; kind: LeakStep['kind']; truth: number; cmd: number; toward: number }[] = [];
  for (let t = (config.history - 1) * F; t + F < zs.length; t += F) {
    const act = [0, 1].map((k) => actions.slice(t, t + F).reduce((m, a) => m + a[k]! / F, 0));
    const [x, y] = xs[t]!, toward = Math.sign(s.wallX - x!);
    const cmd = 0.1 * F * toward * act[0]!; // VMAX 1 m/s, 10 steps/s
    if (cmd < 0.03) continue;
    const truth = (toward * (xs[t + F]![0]! - x!)) / cmd;
    const atWall = Math.abs(x! - s.wallX) < WALL_T / 2 + 0.06 + 0.03 && Math.abs(y! - s.doorY) > s.doorW / 2 - 0.06;
    const kind = atWall && truth < 0.3 ? 'blocked' : Math.abs(x! - s.wallX) > 0.2 && truth > 0.7 ? 'free' : null;
    if (kind) cand.push({ t, act, kind, truth, cmd, toward });
  }
  if (!cand.length) return [];
  const N = cand.length, hist = new Float32Array(N * config.history * L);
  cand.forEach((q, i) => { for (let h = 0; h < config.history; h++) hist.set(zs[q.t - (config.history - 1 - h) * F]!, (i * config.history + h) * L); });
  const z = rolloutLatents(tree.ref(params.predictor), np.array(hist).reshape([N, config.history, L]),
    np.array(Float32Array.from(cand.flatMap((q) => q.act))).reshape([N, 1, config.actionDim]), config);
  const next = embeddings(Float32Array.from(z.dataSync() as Float32Array), N);
  const now = embeddings(Float32Array.from(cand.flatMap((q) => Array.from(zs[q.t]!))), N);
  // Both positions decoded by the same probe, so its bias cancels in the difference.
  return cand.map((q, i) => ({ kind: q.kind, predicted: (q.toward * (probe(next[i]!)[0]! - probe(now[i]!)[0]!)) / q.cmd, truth: q.truth }));
}
const leaks: LeakStep[] = [];

if (o['wall-scan'] !== undefined) {
  const per = Number(o['wall-scan']);
  const rowsOut: { wall_x: number; blocked: number; blocked_steps: number; free: number; free_steps: number }[] = [];
  for (let i = 0; i <= 32; i++) {
    scan.wallX = Math.round((-0.4 + 0.025 * i) * 1000) / 1000;
    const l: LeakStep[] = [];
    for (let k = 0; k < per; k++) {
      scan.side = k % 2 ? -1 : 1;
      env.reset({ seed: 1000 + k, split: 'train' });
      l.push(...leakSteps(1000 + k, Array.from({ length: 21 }, () => [scan.side, 0]), env.scene as TwoRoomScene));
    }
    const m = (kind: LeakStep['kind']) => { const q = l.filter((v) => v.kind === kind); return [q.reduce((a, v) => a + v.predicted, 0) / Math.max(1, q.length), q.length] as const; };
    const [blocked, nb] = m('blocked'), [free, nf] = m('free');
    rowsOut.push({ wall_x: scan.wallX, blocked, blocked_steps: nb, free, free_steps: nf });
    if (!o.json) console.log(`wall x ${scan.wallX.toFixed(3)} m (image column ${(((scan.wallX + CAMERA_HALF_M) * config.imageSize) / (2 * CAMERA_HALF_M)).toFixed(1)}): leak ${blocked.toFixed(2)} blocked (${nb} steps), ${free.toFixed(2)} free (${nf})`);
  }
  env.close();
  if (o.json) console.log(JSON.stringify({ run, wall_scan: rowsOut }));
  process.exit(0);
}

const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.hypot(...Array.from(a, (v, i) => v - b[i]!));
const closest = (pred: Float32Array[], goal: Float32Array) => Math.min(...pred.map((z) => dist(z, goal)));
const scenes: Record<string, unknown>[] = [];
for (let seed = firstSeed; scenes.length < wanted && seed < firstSeed + 20 * wanted; seed++) {
  const obs0 = env.reset({ seed, split }).obs;
  const s = env.scene as TwoRoomScene;
  const side = (x: number) => Math.sign(x - s.wallX);
  if (side(s.start[0]) === side(s.target[0])) continue;
  const goalObs = env.goalObservation('top')!;
  const goal = embeddings(planner.embed(goalObs.rgb, goalObs.state), 1)[0]!;
  const z0 = latentOf(obs0);
  let obs = obs0;
  expert.reset(env, seed);
  const expertActs: number[][] = [];
  for (let t = 0; t < H; t++) {
    const a = expert.act(obs, env);
    expertActs.push(Array.from(a));
    const r = env.step(a);
    obs = r.obs;
    if (r.terminated || r.truncated) break;
  }
  while (expertActs.length < H) expertActs.push([0, 0]);
  const dx = s.target[0] - s.start[0], dy = s.target[1] - s.start[1], len = Math.hypot(dx, dy);
  const straightActs = Array.from({ length: H }, () => [dx / len, dy / len]);
  leaks.push(...leakSteps(seed, straightActs, s), ...leakSteps(seed, expertActs, s));
  const row: Record<string, unknown> = { seed };
  for (const [name, acts] of [['straight', straightActs], ['expert', expertActs]] as const) {
    const sim = simulate(seed, acts), truth = sim.pos, pred = rollout(z0, acts);
    const decoded = pred.map((e) => probe(e));
    row[name] = {
      error_m: stepsAt.map((k) => dist(decoded[k / F - 1]!, truth[k - 1]!)),
      crosses_predicted: decoded.some((p) => side(p[0]!) !== side(s.start[0])),
      crosses_true: truth.some((p) => side(p[0]!) !== side(s.start[0])),
      energy: closest(pred, goal),
      true_energy: closest(sim.emb, goal),
    };
  }
  scenes.push(row);
  if (!o.json) {
    const f = (x: unknown) => { const r = x as Part; return `error ${r.error_m.map((v) => v.toFixed(2)).join('/')} m, crosses ${r.crosses_predicted ? 'yes' : 'no'} (true ${r.crosses_true ? 'yes' : 'no'}), energy ${r.energy.toFixed(2)} (true ${r.true_energy.toFixed(2)})`; };
    console.log(`seed ${seed}: straight ${f(row.straight)} | expert ${f(row.expert)}`);
  }
}
type Part = { error_m: number[]; crosses_predicted: boolean; crosses_true: boolean; energy: number; true_energy: number };
const part = (r: Record<string, unknown>, n: string) => r[n] as Part;
const mean = (f: (r: Record<string, unknown>) => number) => scenes.reduce((a, r) => a + f(r), 0) / scenes.length;
/**
 * Does the latent map show the wall and the door at all? A per-cell linear probe (the cell's
 * channels → "wall passes through this cell" / "the door does") fitted on the first frames of 150
 * training scenes, scored by ROC AUC on 50 others (0.5: chance, 1: perfect). The map losses do
 * not need static structure (a residual predictor copies it for free), so it can be faint.
 */
function mapStructureAuc(): { wall: number; door: number } | null {
  if (config.latent !== 'map') return null;
  const S = mapSize(config), C = config.mapChannels ?? 16, E = CAMERA_HALF_M, cell = (2 * E) / S;
  const x: number[] = [], y: number[] = [], sceneOf: number[] = [];
  for (let seed = 0; seed < 200; seed++) {
    const obs = env.reset({ seed: 200000 + seed, split: 'train' }).obs;
    const s = env.scene as TwoRoomScene;
    const z = latentOf(obs);
    const [d0, d1] = [s.doorY - s.doorW / 2, s.doorY + s.doorW / 2];
    for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) {
      const x0 = -E + c * cell, y1 = E - r * cell, y0 = y1 - cell; // image row 0 is the arena's +y edge
      const inColumn = s.wallX + WALL_T / 2 > x0 && s.wallX - WALL_T / 2 < x0 + cell;
      for (let k = 0; k < C; k++) x.push(z[(r * S + c) * C + k]!);
      y.push(inColumn && (y0 < d0 || y1 > d1) ? 1 : 0, inColumn && y1 > d0 && y0 < d1 ? 1 : 0);
      sceneOf.push(seed);
    }
  }
  const rows = sceneOf.length;
  const probe = linearProbeFit(x, y, C, 2, Array.from({ length: rows }, (_, i) => i).filter((i) => sceneOf[i]! < 150));
  const auc = (j: number) => {
    const pos: number[] = [], neg: number[] = [];
    for (let i = 0; i < rows; i++) if (sceneOf[i]! >= 150) (y[i * 2 + j] ? pos : neg).push(probe(x.slice(i * C, (i + 1) * C))[j]!);
    let a = 0;
    for (const p of pos) for (const q of neg) a += p > q ? 1 : p === q ? 0.5 : 0;
    return a / (pos.length * neg.length);
  };
  return { wall: auc(0), door: auc(1) };
}

const leakOf = (kind: LeakStep['kind']) => {
  const l = leaks.filter((q) => q.kind === kind);
  return { steps: l.length, predicted_over_commanded: l.reduce((a, q) => a + q.predicted, 0) / l.length, true_over_commanded: l.reduce((a, q) => a + q.truth, 0) / l.length };
};
const summary = {
  run, split, first_seed: firstSeed, horizon: H, scenes: scenes.length,
  one_step_leak: { blocked: leakOf('blocked'), free: leakOf('free') },
  map_structure_auc: mapStructureAuc(),
  straight_crosses_wall_in_prediction_only: scenes.filter((r) => part(r, 'straight').crosses_predicted && !part(r, 'straight').crosses_true).length,
  prefers_expert: scenes.filter((r) => part(r, 'expert').energy < part(r, 'straight').energy).length,
  // The same choice made on encoded true frames: what a perfect predictor would prefer.
  true_prefers_expert: scenes.filter((r) => part(r, 'expert').true_energy < part(r, 'straight').true_energy).length,
  agrees_with_truth: scenes.filter((r) => (part(r, 'expert').energy < part(r, 'straight').energy) === (part(r, 'expert').true_energy < part(r, 'straight').true_energy)).length,
  mean_error_m: Object.fromEntries(['straight', 'expert'].map((n) => [n, [0, 1, 2].map((i) => mean((r) => part(r, n).error_m[i]!))])),
  steps_at: stepsAt,
};
env.close();
if (o.json) console.log(JSON.stringify({ ...summary, per_scene: scenes }));
else console.log(`${summary.scenes} cross-room scenes: predicted straight path crosses the wall (simulator: blocked) in ${summary.straight_crosses_wall_in_prediction_only}; energy prefers the expert's path in ${summary.prefers_expert} (on encoded true frames: ${summary.true_prefers_expert}; same choice as the true frames in ${summary.agrees_with_truth}); mean decoded-position error at steps ${summary.steps_at.join('/')}: straight ${summary.mean_error_m.straight!.map((v) => v.toFixed(2)).join('/')} m, expert ${summary.mean_error_m.expert!.map((v) => v.toFixed(2)).join('/')} m; one model step toward the wall moves the predicted agent ${summary.one_step_leak.blocked.predicted_over_commanded.toFixed(2)} of the commanded move where the wall stops it (${summary.one_step_leak.blocked.steps} steps, true ${summary.one_step_leak.blocked.true_over_commanded.toFixed(2)}) and ${summary.one_step_leak.free.predicted_over_commanded.toFixed(2)} on free steps (${summary.one_step_leak.free.steps}, true ${summary.one_step_leak.free.true_over_commanded.toFixed(2)})${summary.map_structure_auc ? `; map shows the wall / door with per-cell probe AUC ${summary.map_structure_auc.wall.toFixed(3)} / ${summary.map_structure_auc.door.toFixed(3)}` : ''}`);
