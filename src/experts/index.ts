/** Policy factory: `expert`, `noisy-expert`, `play`, `random` and `takeover` for every world. */
import { oneOf } from '../errors.ts';
import { NoisyExpert, PlayPolicy, RandomPolicy, TakeoverPolicy, type NoiseOptions, type Policy } from './policy.ts';
import { TwoRoomExpert } from './two-room.ts';
import { ReachExpert } from './reach.ts';
import { PushTExpert } from './push-t.ts';
import { ManipulationExpert } from './manipulation.ts';
import { parseManipulationName, robotByName } from '../worlds/index.ts';

const EXPERTS: Record<string, () => Policy> = {
  'two-room': () => new TwoRoomExpert(),
  reach: () => new ReachExpert(),
  'push-t': () => new PushTExpert(),
};

export const POLICY_NAMES = ['expert', 'noisy-expert', 'play', 'random', 'takeover'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/** The scripted expert of a world (manipulation worlds: the motion-primitive expert for its robot and action mode). */
function expertFor(world: string): (() => Policy) | undefined {
  if (EXPERTS[world]) return EXPERTS[world];
  const p = parseManipulationName(world);
  const robot = p ? robotByName(p.robot) : undefined;
  return p && robot ? () => new ManipulationExpert(robot, p.mode) : undefined;
}

export function makePolicy(name: string, world: string, noise: NoiseOptions = {}): Policy {
  const expert = expertFor(world);
  if (!expert) throw oneOf('world', world, Object.keys(EXPERTS));
  switch (name) {
    case 'expert':
      return expert();
    case 'noisy-expert':
      return new NoisyExpert(expert(), noise);
    case 'play':
      return new PlayPolicy(noise.hold);
    case 'random':
      return new RandomPolicy();
    case 'takeover':
      // A strongly perturbed expert for 10–40 steps, then the expert corrects.
      return new TakeoverPolicy(new NoisyExpert(expert(), { sigma: 0.8, segmentProb: 0.3, ...noise }), expert());
    default:
      throw oneOf('policy', name, POLICY_NAMES);
  }
}

export type { Policy, NoiseOptions } from './policy.ts';
