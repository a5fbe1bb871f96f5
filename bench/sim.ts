/**
 * Simulation benchmarks: physics steps/s, render ms/frame, env steps/s (with 64×64 rendering)
 * single-thread and on a 2-worker VecEnv. Each measurement runs for a fixed time budget.
 */
import { WorldEnv } from '../src/env/world-env.ts';
import { RayCamera } from '../src/sim/camera.ts';
import { VecEnv } from '../src/node/vec-env.ts';
import { Rng } from '../src/rng.ts';
import { WORLD_NAMES, getWorld } from '../src/worlds/index.ts';

export type Metrics = Record<string, number>;

function timeFor(budgetMs: number, body: () => number): number {
  // Returns units/second where body() returns the units it did.
  const t0 = performance.now();
  let units = 0;
  while (performance.now() - t0 < budgetMs) units += body();
  return units / ((performance.now() - t0) / 1000);
}

async function benchWorld(name: string, budgetMs: number): Promise<Metrics> {
  const world = getWorld(name);
  const rng = new Rng(1, 'bench');
  const out: Metrics = {};
  const env = await WorldEnv.create(world, { images: true, size: 64 });
  env.reset({ seed: 0, split: 'train' });
  const sim = env.sim;
  const state = sim.getState();
  out.physics_steps_per_s = timeFor(budgetMs, () => {
    sim.setState(state);
    sim.step(100);
    return 100;
  });
  for (const size of [64, 128]) {
    const cam = new RayCamera(sim, world.cameras[0]!, { width: size, height: size });
    const fps = timeFor(budgetMs, () => (cam.render(), 1));
    out[`render_ms_${size}`] = 1000 / fps;
    cam.dispose();
  }
  const randomAction = () => Array.from({ length: world.actionNames.length }, () => rng.uniform(-1, 1));
  let seed = 0;
  out.env_steps_per_s_64 = timeFor(budgetMs, () => {
    env.reset({ seed: seed++, split: 'train' });
    let n = 0;
    for (; n < 20; n++) {
      const r = env.step(randomAction());
      if (r.terminated || r.truncated) { n++; break; }
    }
    return n;
  });
  // Steps within episodes (every camera rendered), excluding resets: manipulation worlds rebuild
  // their model at each reset (every scene is a new MJCF), which the number above includes.
  out.cameras = world.cameras.length;
  let stepSeed = 1000;
  env.reset({ seed: stepSeed, split: 'train' });
  out.step_only_steps_per_s_64 = timeFor(budgetMs, () => {
    const r = env.step(randomAction());
    if (r.terminated || r.truncated) env.reset({ seed: ++stepSeed, split: 'train' });
    return 1;
  });
  env.close();

  const nEnv = 4;
  const vec = await VecEnv.create(name, nEnv, { workers: 2, size: 64 });
  try {
    await vec.reset(Array.from({ length: nEnv }, (_, i) => ({ seed: i, split: 'train' as const })));
    const t0 = performance.now();
    let steps = 0;
    let epSeed = nEnv;
    while (performance.now() - t0 < budgetMs) {
      const rs = await vec.step(Array.from({ length: nEnv }, randomAction));
      steps += nEnv;
      const resets = rs.map((r) => (r && (r.terminated || r.truncated) ? { seed: epSeed++, split: 'train' as const } : null));
      if (resets.some((x) => x)) await vec.reset(resets);
    }
    out.vecenv_2workers_steps_per_s_64 = steps / ((performance.now() - t0) / 1000);
  } finally {
    await vec.close();
  }
  return out;
}

export async function benchSim(opts: { budgetMs?: number; log?: (s: string) => void; worlds?: string[] } = {}): Promise<Record<string, Metrics>> {
  const out: Record<string, Metrics> = {};
  for (const name of opts.worlds ?? WORLD_NAMES) {
    opts.log?.(`bench sim: ${name}`);
    out[name] = await benchWorld(name, opts.budgetMs ?? 1500);
  }
  return out;
}
