/**
 * push-t expert: an oracle planner over push primitives, evaluated on forks of the true simulator.
 *
 * A primitive = a contact point on the T's outline (block frame), a push direction (the inward
 * normal, or ±30° off it), a speed and a duration of 1..K control steps. Each decision rolls out
 * every primitive on a fork — the pusher teleported to just outside the contact point — and scores
 * it by the drop in pose cost (position error + weighted angle error) per control step it takes,
 * approach included (collision-free path around the T through a small visibility graph). The
 * expert then drives the pusher along that path, re-simulates the chosen push from the actual
 * state on arrival (so the executed push is exactly the predicted one), pushes, and replans.
 * Deterministic: no randomness, only the simulator.
 */
import type { Observation } from '../env/types.ts';
import type { WorldEnv } from '../env/world-env.ts';
import type { Sim } from '../sim/sim.ts';
import {
  ANG_TOL, ANG_W, HALF, POS_TOL, PUSHER_R, T_POLY, T_RADIUS, VMAX, poseError, tDistance, toWorld, type PushTScene,
} from '../worlds/push-t.ts';
import type { Policy } from './policy.ts';

const DT = 0.1; // control period (s)
const GAP = 0.006; // pre-contact distance between pusher and T surface
const CLEAR = 0.012; // path clearance between pusher and T surface
const LANE = 0.05; // straight approach lane length along the contact normal
const K = 6; // max push duration (control steps)
const SPEEDS = [1, 0.35];
const ANGLES = [0, (30 * Math.PI) / 180, (-30 * Math.PI) / 180];
const SPACING = 0.025; // contact point spacing along the outline
const PLIM = HALF - PUSHER_R - 0.004; // pusher centre bound
const GAIN = 8; // 1/s, approach P-gain
const RING_N = 16;

type Vec = [number, number];

interface Contact {
  /** block-frame point on the outline and outward normal */
  p: Vec;
  n: Vec;
}

interface Plan {
  /** block pose the plan was made for (replan if the block moves before the push) */
  block: [number, number, number];
  path: Vec[]; // waypoints, last = pre-contact point
  dir: Vec; // world push direction (unit)
  speed: number;
  k: number;
  fromHere: boolean;
}

/** Contact points along the T outline, skipping corners where the pusher cannot sit. */
function contacts(): Contact[] {
  const out: Contact[] = [];
  const m = T_POLY.length;
  for (let i = 0; i < m; i++) {
    const a = T_POLY[i]!, b = T_POLY[(i + 1) % m]!;
    const ex = b[0] - a[0], ey = b[1] - a[1];
    const len = Math.hypot(ex, ey);
    // Counter-clockwise outline: the outward normal is the edge direction turned clockwise.
    const n: Vec = [ey / len, -ex / len];
    const cnt = Math.max(1, Math.round((len - 0.01) / SPACING));
    for (let j = 0; j < cnt; j++) {
      const t = cnt === 1 ? 0.5 : (0.005 + ((len - 0.01) * j) / (cnt - 1)) / len;
      const p: Vec = [a[0] + ex * t, a[1] + ey * t];
      // The pusher centre must be GAP + radius away from the whole T (no concave-corner spots).
      const c: Vec = [p[0] + n[0] * (PUSHER_R + GAP), p[1] + n[1] * (PUSHER_R + GAP)];
      if (tDistance([0, 0, 0], c[0], c[1]) < PUSHER_R + GAP - 1e-6) continue;
      out.push({ p, n });
    }
  }
  return out;
}
const CONTACTS = contacts();

function inArena(p: Vec, lim = PLIM): boolean {
  return Math.abs(p[0]) <= lim && Math.abs(p[1]) <= lim;
}

/** Pose cost used by the planner (m): position error + weighted angle error. */
function cost(pose: readonly number[], target: readonly number[]): number {
  const [ep, ea] = poseError(pose, target);
  if (ep < POS_TOL * 0.9 && ea < ANG_TOL * 0.9) return -1; // success
  return ep + ANG_W * ea;
}

export class PushTExpert implements Policy {
  readonly name = 'expert';
  private plan: Plan | null = null;
  private wp = 0; // current waypoint
  private pushLeft = 0;
  private approachSteps = 0;
  private pushAction: [number, number] = [0, 0];

  reset(_env: WorldEnv, _seed: number): void {
    this.plan = null;
    this.pushLeft = 0;
  }

  act(_obs: Observation, env: WorldEnv): Float64Array {
    const sim = env.sim;
    const scene = env.scene as PushTScene;
    for (let guard = 0; guard < 3; guard++) {
      if (this.pushLeft > 0) {
        this.pushLeft--;
        return Float64Array.from(this.pushAction);
      }
      if (!this.plan) {
        this.plan = this.makePlan(sim, scene);
        this.wp = 0;
        this.approachSteps = 0;
      }
      const plan = this.plan;
      const q = sim.data.qpos;
      const pos: Vec = [q[0]!, q[1]!];
      // Something else moved the block (noise, a bump on the way): the plan is stale.
      const [mp, ma] = poseError([q[2]!, q[3]!, q[4]!], plan.block);
      if (!plan.fromHere && (mp > 0.005 || ma > 0.05)) {
        this.plan = null;
        continue;
      }
      // Approach: follow waypoints.
      while (this.wp < plan.path.length - 1 && dist(pos, plan.path[this.wp]!) < 0.012) this.wp++;
      const goal = plan.path[this.wp]!;
      const last = this.wp === plan.path.length - 1;
      const d = dist(pos, goal);
      if (plan.fromHere || (last && d < 0.004) || (last && this.approachSteps > 40)) {
        // Arrived: re-simulate the push from the actual state and execute the best duration.
        const k = plan.fromHere ? plan.k : this.bestDuration(sim, scene, plan);
        this.plan = null;
        if (k <= 0) continue;
        this.pushAction = [(plan.dir[0] * plan.speed), (plan.dir[1] * plan.speed)];
        this.pushLeft = k;
        continue;
      }
      this.approachSteps++;
      if (this.approachSteps > 60) {
        this.plan = null;
        continue;
      }
      let vx = goal[0] - pos[0], vy = goal[1] - pos[1];
      if (last) {
        vx *= GAIN; vy *= GAIN;
      } else {
        vx /= d; vy /= d; vx *= VMAX; vy *= VMAX;
      }
      const sp = Math.hypot(vx, vy);
      const s = sp > VMAX ? VMAX / sp : 1;
      return Float64Array.from([(vx * s) / VMAX, (vy * s) / VMAX]);
    }
    return new Float64Array(2);
  }

  /** Rolls out the plan's push from the current state; returns the best duration (0: none helps). */
  private bestDuration(sim: Sim, scene: PushTScene, plan: Plan): number {
    const fork = sim.fork();
    try {
      const c0 = cost(blockOf(fork), scene.target);
      let best = 0, bestC = c0 - 1e-4;
      for (let k = 1; k <= K; k++) {
        const ctrlv = fork.data.ctrl;
        ctrlv[0] = plan.dir[0] * plan.speed * VMAX;
        ctrlv[1] = plan.dir[1] * plan.speed * VMAX;
        fork.step(10);
        const c = cost(blockOf(fork), scene.target);
        if (c < bestC) { bestC = c; best = k; }
        if (c < 0) break;
      }
      return best;
    } finally {
      fork.dispose();
    }
  }

  private makePlan(sim: Sim, scene: PushTScene): Plan {
    const fork = sim.fork();
    try {
      const s0 = fork.getState();
      const block = blockOf(fork);
      const target = scene.target;
      const c0 = cost(block, target);
      const q0 = fork.data.qpos;
      const start: Vec = [q0[0]!, q0[1]!];
      const graph = new PathGraph(block, start);
      let best: Plan | null = null;
      let bestScore = -Infinity;
      const consider = (score: number, mk: () => Plan) => {
        if (score > bestScore) { bestScore = score; best = mk(); }
      };
      // Pushes from where the pusher is now (it is often still in contact after a push).
      for (let a = 0; a < 8; a++) {
        const dir: Vec = [Math.cos((a * Math.PI) / 4), Math.sin((a * Math.PI) / 4)];
        for (const speed of SPEEDS) {
          fork.setState(s0);
          const r = this.rollout(fork, dir, speed, target, null);
          if (r.k > 0) consider((c0 - r.c) / (r.k + 1), () => ({ block, path: [start], dir, speed, k: r.k, fromHere: true }));
        }
      }
      // Pushes from each contact point on the outline.
      const cth = Math.cos(block[2]), sth = Math.sin(block[2]);
      for (const ct of CONTACTS) {
        const nw: Vec = [cth * ct.n[0] - sth * ct.n[1], sth * ct.n[0] + cth * ct.n[1]];
        const pw = toWorld(block, ct.p[0], ct.p[1]);
        const p0: Vec = [pw[0] + nw[0] * (PUSHER_R + GAP), pw[1] + nw[1] * (PUSHER_R + GAP)];
        if (!inArena(p0)) continue;
        const path = graph.pathTo(p0, nw);
        if (!path) continue;
        const steps = path.len / (VMAX * DT * 0.9) + 2;
        for (const da of ANGLES) {
          const ca = Math.cos(da), sa = Math.sin(da);
          const dir: Vec = [-(ca * nw[0] - sa * nw[1]), -(sa * nw[0] + ca * nw[1])];
          for (const speed of SPEEDS) {
            fork.setState(s0);
            const r = this.rollout(fork, dir, speed, target, p0);
            if (r.k > 0) consider((c0 - r.c) / (r.k + steps), () => ({ block, path: path.points, dir, speed, k: r.k, fromHere: false }));
          }
        }
      }
      if (best) return best;
      // Nothing helps: push from the current spot towards the block centre (rare fallback).
      const dx = block[0] - start[0], dy = block[1] - start[1], dn = Math.hypot(dx, dy) || 1;
      return { block, path: [start], dir: [dx / dn, dy / dn], speed: 0.35, k: 1, fromHere: true };
    } finally {
      fork.dispose();
    }
  }

  /** Simulates a push of up to K steps; returns the best step count and its cost. */
  private rollout(fork: Sim, dir: Vec, speed: number, target: readonly number[], from: Vec | null): { k: number; c: number } {
    const d = fork.data;
    if (from) {
      const q = d.qpos, v = d.qvel;
      q[0] = from[0]; q[1] = from[1]; v[0] = 0; v[1] = 0;
    }
    let bestK = 0, bestC = Infinity;
    for (let k = 1; k <= K; k++) {
      const ctrl = fork.data.ctrl;
      ctrl[0] = dir[0] * speed * VMAX;
      ctrl[1] = dir[1] * speed * VMAX;
      fork.step(10);
      const q = fork.data.qpos;
      const c = cost([q[2]!, q[3]!, q[4]!], target);
      if (c < bestC) { bestC = c; bestK = k; }
      if (c < 0) break;
    }
    return { k: bestK, c: bestC };
  }
}

function blockOf(sim: Sim): [number, number, number] {
  const q = sim.data.qpos;
  return [q[2]!, q[3]!, q[4]!];
}

function dist(a: Vec, b: Vec): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Collision-free pusher paths around the T: start → ring of waypoints → approach lane → contact. */
class PathGraph {
  private readonly nodes: Vec[] = [];
  private readonly cost: number[] = [];
  private readonly prev: number[] = [];
  private retreat = false;

  constructor(private readonly block: readonly number[], start: Vec) {
    // Step out of contact first when the pusher is touching the T.
    let s = start;
    const d0 = tDistance(block, s[0], s[1]);
    if (d0 < PUSHER_R + CLEAR) {
      const e = 1e-4;
      let gx = tDistance(block, s[0] + e, s[1]) - tDistance(block, s[0] - e, s[1]);
      let gy = tDistance(block, s[0], s[1] + e) - tDistance(block, s[0], s[1] - e);
      const gn = Math.hypot(gx, gy) || 1;
      gx /= gn; gy /= gn;
      const out: Vec = [clampArena(s[0] + gx * (PUSHER_R + CLEAR + 0.004 - d0)), clampArena(s[1] + gy * (PUSHER_R + CLEAR + 0.004 - d0))];
      this.retreat = true;
      s = out;
    }
    this.nodes.push(s);
    const R = T_RADIUS + PUSHER_R + CLEAR + 0.01;
    for (let i = 0; i < RING_N; i++) {
      const a = (2 * Math.PI * i) / RING_N;
      const p: Vec = [block[0]! + R * Math.cos(a), block[1]! + R * Math.sin(a)];
      if (inArena(p)) this.nodes.push(p);
    }
    // Dijkstra from the start node.
    const n = this.nodes.length;
    const done = new Array<boolean>(n).fill(false);
    for (let i = 0; i < n; i++) { this.cost.push(Infinity); this.prev.push(-1); }
    this.cost[0] = dist(start, s);
    for (;;) {
      let u = -1;
      for (let i = 0; i < n; i++) if (!done[i] && this.cost[i]! < Infinity && (u < 0 || this.cost[i]! < this.cost[u]!)) u = i;
      if (u < 0) break;
      done[u] = true;
      for (let v = 0; v < n; v++) {
        if (done[v]) continue;
        const c = this.cost[u]! + dist(this.nodes[u]!, this.nodes[v]!);
        if (c < this.cost[v]! && this.clear(this.nodes[u]!, this.nodes[v]!, PUSHER_R + CLEAR)) {
          this.cost[v] = c;
          this.prev[v] = u;
        }
      }
    }
  }

  private clear(a: Vec, b: Vec, req: number): boolean {
    const L = dist(a, b);
    const m = Math.max(1, Math.ceil(L / 0.005));
    for (let i = 0; i <= m; i++) {
      const t = i / m;
      const x = a[0] + (b[0] - a[0]) * t, y = a[1] + (b[1] - a[1]) * t;
      if (tDistance(this.block, x, y) < req) return false;
    }
    return true;
  }

  /** Shortest path to the pre-contact point p0 (approached along the outward normal nw). */
  pathTo(p0: Vec, nw: Vec): { points: Vec[]; len: number } | null {
    // Lane entry: as far out along the normal as the arena allows (at most LANE).
    let w: Vec = [p0[0] + nw[0] * LANE, p0[1] + nw[1] * LANE];
    for (let i = 0; i < 4 && !inArena(w); i++) w = [(w[0] + p0[0]) / 2, (w[1] + p0[1]) / 2];
    if (!inArena(w)) w = p0;
    if (!this.clear(w, p0, PUSHER_R + GAP - 0.001)) return null;
    let bestLen = Infinity, bestNode = -1;
    const req = Math.min(PUSHER_R + CLEAR, tDistance(this.block, w[0], w[1]) - 0.001);
    for (let i = 0; i < this.nodes.length; i++) {
      const c = this.cost[i]!;
      if (c === Infinity) continue;
      const len = c + dist(this.nodes[i]!, w);
      if (len < bestLen && this.clear(this.nodes[i]!, w, req)) { bestLen = len; bestNode = i; }
    }
    if (bestNode < 0) return null;
    const chain: Vec[] = [];
    for (let i = bestNode; i >= 0; i = this.prev[i]!) chain.unshift(this.nodes[i]!);
    // Node 0 is the start itself unless the pusher first steps out of contact.
    const points = [...chain.slice(this.retreat ? 0 : 1), w, p0];
    return { points, len: bestLen + dist(w, p0) };
  }
}

function clampArena(v: number): number {
  return Math.max(-PLIM, Math.min(PLIM, v));
}
