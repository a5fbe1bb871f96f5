/** two-room expert: straight to the target in the same room, else through the door's centre line. */
import type { Observation } from '../env/types.ts';
import type { WorldEnv } from '../env/world-env.ts';
import { AGENT_R, VMAX, type TwoRoomScene } from '../worlds/two-room.ts';
import type { Policy } from './policy.ts';

const GAIN = 4; // 1/s: proportional gain from position error to velocity command

export class TwoRoomExpert implements Policy {
  readonly name = 'expert';
  reset(): void {}

  act(_obs: Observation, env: WorldEnv): Float64Array {
    const s = env.scene as TwoRoomScene;
    const q = env.sim.data.qpos;
    const x = q[0]!, y = q[1]!;
    let gx = s.target[0], gy = s.target[1];
    const side = Math.sign(x - s.wallX);
    if (side !== Math.sign(s.target[0] - s.wallX)) {
      // Line up with the door before crossing: the agent must fit through with a margin.
      const tol = Math.max(0.02, s.doorW / 2 - AGENT_R - 0.03);
      const lined = Math.abs(y - s.doorY) < tol;
      const near = Math.abs(x - s.wallX) < 0.2;
      gy = s.doorY;
      gx = lined ? s.wallX - side * 0.25 : s.wallX + side * (near ? 0.2 : 0.15);
      if (!lined && !near) gx = s.wallX + side * 0.15;
    }
    const vx = GAIN * (gx - x), vy = GAIN * (gy - y);
    // Keep the direction, cap the speed.
    const sp = Math.hypot(vx, vy);
    const k = sp > VMAX ? VMAX / sp : 1;
    return Float64Array.from([(vx * k) / VMAX, (vy * k) / VMAX]);
  }
}
