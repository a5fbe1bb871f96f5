/** reach expert: analytic inverse kinematics (worlds/reach.ts), then a proportional joint-velocity controller. */
import type { Observation } from '../env/types.ts';
import type { WorldEnv } from '../env/world-env.ts';
import { QDMAX, inverseKinematics, type ReachScene } from '../worlds/reach.ts';
import type { Policy } from './policy.ts';

const GAIN = 6; // 1/s

function wrap(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
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
