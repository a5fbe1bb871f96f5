/**
 * Worker-thread side of VecEnv and the episode pool: one MuJoCo instance per thread, envs and
 * policies built from names so that only plain data crosses the thread boundary.
 */
import { parentPort } from 'node:worker_threads';
import { WorldEnv } from '../env/world-env.ts';
import type { ResetOptions, Split } from '../env/types.ts';
import { UmweltError } from '../errors.ts';
import { makePolicy, type NoiseOptions } from '../experts/index.ts';
import { recordEpisode, runEpisode } from '../eval/rollout.ts';
import { getWorld } from '../worlds/index.ts';
import { ensureWorld } from './robot-descriptor.ts';

export type WorkerRequest =
  | { type: 'envs'; world: string; count: number; size: number; images: boolean }
  | { type: 'reset'; opts: (ResetOptions | null)[] }
  | { type: 'step'; actions: (number[] | null)[] }
  | { type: 'episode-setup'; world: string; policy: string; noise: NoiseOptions; split: Split; size: number; images: boolean }
  | { type: 'episode'; seed: number }
  | { type: 'record'; seed: number };

export type WorkerReply =
  | { type: 'ok'; value: unknown }
  | { type: 'error'; name: string; message: string; hint?: string | undefined };

let envs: WorldEnv[] = [];
let episode: { env: WorldEnv; policy: ReturnType<typeof makePolicy>; split: Split } | undefined;

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.type) {
    case 'envs': {
      await ensureWorld(req.world);
      const world = getWorld(req.world);
      envs = [];
      for (let i = 0; i < req.count; i++) envs.push(await WorldEnv.create(world, { size: req.size, images: req.images }));
      return null;
    }
    case 'reset':
      return req.opts.map((o, i) => (o ? envs[i]!.reset(o) : null));
    case 'step':
      return req.actions.map((a, i) => (a ? envs[i]!.step(a) : null));
    case 'episode-setup': {
      await ensureWorld(req.world);
      const env = await WorldEnv.create(getWorld(req.world), { size: req.size, images: req.images });
      episode = { env, policy: makePolicy(req.policy, req.world, req.noise), split: req.split };
      return null;
    }
    case 'episode': {
      if (!episode) throw new Error('episode-setup must come first');
      return runEpisode(episode.env, episode.policy, { seed: req.seed, split: episode.split });
    }
    case 'record': {
      if (!episode) throw new Error('episode-setup must come first');
      return recordEpisode(episode.env, episode.policy, { seed: req.seed, split: episode.split });
    }
  }
}

parentPort!.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (value) => parentPort!.postMessage({ type: 'ok', value } satisfies WorkerReply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      parentPort!.postMessage({ type: 'error', name: e.name, message: e.message, hint: e instanceof UmweltError ? e.hint : undefined } satisfies WorkerReply);
    },
  );
});
