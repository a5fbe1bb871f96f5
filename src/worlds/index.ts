/** The world registry: every world by name. */
import { oneOf } from '../errors.ts';
import type { SceneBase, WorldDef } from './world.ts';
import { twoRoom } from './two-room.ts';
import { reach } from './reach.ts';
import { pushT } from './push-t.ts';

export const WORLDS: Record<string, WorldDef<SceneBase>> = {
  'two-room': twoRoom as unknown as WorldDef<SceneBase>,
  reach: reach as unknown as WorldDef<SceneBase>,
  'push-t': pushT as unknown as WorldDef<SceneBase>,
};

export const WORLD_NAMES = Object.keys(WORLDS);

export function getWorld(name: string): WorldDef<SceneBase> {
  const w = WORLDS[name];
  if (!w) throw oneOf('world', name, WORLD_NAMES);
  return w;
}

export type { WorldDef, SceneBase } from './world.ts';
