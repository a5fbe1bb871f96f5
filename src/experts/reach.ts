/** reach expert: analytic inverse kinematics, then a proportional joint-velocity controller. */
import type { Observation } from '../env/types.ts';
import type { WorldEnv } from '../env/world-env.ts';
import { LINK1, LINK2, QDMAX, type ReachScene } from '../worlds/reach.ts';
import type { Policy } from './policy.ts';

const GAIN = 6; // 1/s

function wrap(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}

/** Both IK solutions (elbow one way and the other) for a planar 2-link arm; null when out of reach. */
export function inverseKinematics(x: number, y: number): [number, number][] | null {
  const r2 = x * x + y * y;
  const c2 = (r2 - LINK1 * LINK1 - LINK2 * LINK2) / (2 * LINK1 * LINK2);
  if (c2 < -1 || c2 > 1) return null;
  const out: [number, number][] = [];
  for (const sign of [1, -1]) {
    const q2 = sign * Math.acos(c2);
    const q1 = Math.atan2(y, x) - Math.atan2(LINK2 * Math.sin(q2), LINK1 + LINK2 * Math.cos(q2));
    out.push([wrap(q1), q2]);
  }
  return out;
}

export class ReachExpert implements Policy {
  readonly name = 'expert';
  reset(): void {}

  act(_obs: Observation, env: WorldEnv): Float64Array {
    const s = env.scene as ReachScene;
    const q = env.sim.data.qpos;
    const q1 = q[0]!, q2 = q[1]!;
    const sols = inverseKinematics(s.target[0], s.target[1]) ?? [[Math.atan2(s.target[1], s.target[0]), 0]];
    // The closest solution in joint space (the wrist joint is unlimited, so wrap its error too).
    let best = sols[0]!, bestCost = Infinity;
    for (const sol of sols) {
      const cost = Math.abs(wrap(sol[0] - q1)) + Math.abs(wrap(sol[1] - q2));
      if (cost < bestCost) { best = sol; bestCost = cost; }
    }
    const a1 = (GAIN * wrap(best[0] - q1)) / QDMAX;
    const a2 = (GAIN * wrap(best[1] - q2)) / QDMAX;
    return Float64Array.from([Math.max(-1, Math.min(1, a1)), Math.max(-1, Math.min(1, a2))]);
  }
}
