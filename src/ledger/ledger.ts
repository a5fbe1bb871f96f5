/**
 * Compute ledger: FLOPs, wall time, device and cost of every training, evaluation and planning
 * run, with cost per episode and per successful episode. Depends on nothing above it.
 * Default prices (DESIGN.md): $2 per GPU-hour, $0.05 per CPU-core-hour.
 */
export interface Prices {
  gpuHour: number;
  cpuCoreHour: number;
}

export const DEFAULT_PRICES: Prices = { gpuHour: 2, cpuCoreHour: 0.05 };

/** The seed's reference: compute per 30-second generated video (Sora-class), in $. */
export const VIDEO_COST_REFERENCE: [number, number] = [0.5, 2.0];

export interface LedgerEntry {
  kind: 'train' | 'eval' | 'plan' | 'collect' | 'bench';
  name: string;
  flops: number;
  seconds: number;
  device: string;
  /** CPU cores used (wasm) or GPUs (webgpu). */
  units: number;
  episodes?: number;
  successes?: number;
}

export interface CostedEntry extends LedgerEntry {
  cost_usd: number;
  cost_per_episode_usd: number | null;
  cost_per_success_usd: number | null;
  gflop_per_s: number;
}

export function costOf(e: LedgerEntry, prices: Prices = DEFAULT_PRICES): number {
  const perHour = e.device === 'webgpu' ? prices.gpuHour : prices.cpuCoreHour;
  return (e.seconds / 3600) * perHour * e.units;
}

export class ComputeLedger {
  readonly entries: LedgerEntry[] = [];
  constructor(readonly prices: Prices = DEFAULT_PRICES) {}

  add(e: LedgerEntry): CostedEntry {
    this.entries.push(e);
    return this.costed(e);
  }

  costed(e: LedgerEntry): CostedEntry {
    const cost = costOf(e, this.prices);
    return {
      ...e,
      cost_usd: cost,
      cost_per_episode_usd: e.episodes ? cost / e.episodes : null,
      cost_per_success_usd: e.successes ? cost / e.successes : null,
      gflop_per_s: e.seconds > 0 ? e.flops / e.seconds / 1e9 : 0,
    };
  }

  totals(): { flops: number; seconds: number; cost_usd: number } {
    return this.entries.reduce((t, e) => ({ flops: t.flops + e.flops, seconds: t.seconds + e.seconds, cost_usd: t.cost_usd + costOf(e, this.prices) }), { flops: 0, seconds: 0, cost_usd: 0 });
  }

  toJSON(): { prices: Prices; entries: CostedEntry[]; totals: { flops: number; seconds: number; cost_usd: number } } {
    return { prices: this.prices, entries: this.entries.map((e) => this.costed(e)), totals: this.totals() };
  }
}
