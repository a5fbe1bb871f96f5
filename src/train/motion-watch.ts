/**
 * Warm-up schedule and lost-agent watch for world-model training with an IDM warm-up.
 *
 * During the warm-up only inverse dynamics trains, and the embedding follows what the actions
 * move (the agent). When the prediction and anti-collapse terms join, some seeds lose the agent
 * within 50–150 steps: the embedding stops moving between frames while the map's own VICReg still
 * looks healthy (its variance comes from the static scene). The embedding's frame-to-frame motion
 * (the `temporal` loss part, logged whether or not it is weighted) is the cheap signal: compared
 * with its level at the end of the warm-up it drops 30× on a collapsed run.
 */

/** Weight of every term but inverse dynamics at `step`: 0 in the warm-up, then a linear ramp to 1. */
export function restScale(step: number, warmup: number, ramp: number): number {
  if (step < warmup) return 0;
  if (ramp <= 0) return 1;
  return Math.min(1, (step - warmup + 1) / ramp);
}

export interface MotionWatchOptions {
  /** IDM warm-up steps (the reference is the motion over the last `window` of them). */
  warmup: number;
  /** Steps averaged on each side (default 50). */
  window?: number;
  /** Warn when the recent motion falls below this fraction of the reference (default 0.1). */
  fraction?: number;
}

/** Watches the embedding's frame-to-frame motion after the IDM warm-up; warns once when it collapses. */
export class MotionWatch {
  readonly warmup: number;
  readonly window: number;
  readonly fraction: number;
  private refSum = 0;
  private refCount = 0;
  private recent: number[] = [];
  private warned = false;

  constructor(o: MotionWatchOptions) {
    this.warmup = o.warmup;
    this.window = o.window ?? 50;
    this.fraction = o.fraction ?? 0.1;
  }

  /** The warm-up level (mean motion over its last `window` steps), once known. */
  get reference(): number | undefined {
    return this.refCount > 0 ? this.refSum / this.refCount : undefined;
  }

  /**
   * Feeds earlier metrics records (a resumed run): warm-up records set the reference, a record that
   * already carries a warning keeps it from repeating.
   */
  resumeFrom(records: { step?: unknown; temporal?: unknown; motion_warning?: unknown }[]): void {
    for (const r of records) {
      if (typeof r.motion_warning === 'string') this.warned = true;
      if (typeof r.step === 'number' && typeof r.temporal === 'number' && this.inReference(r.step)) {
        this.refSum += r.temporal;
        this.refCount++;
      }
    }
  }

  /** One training step's motion (`step` is the step just taken, 1-based). Returns a warning once. */
  observe(step: number, motion: number): string | undefined {
    if (!Number.isFinite(motion)) return undefined;
    if (this.inReference(step)) {
      this.refSum += motion;
      this.refCount++;
      return undefined;
    }
    if (step <= this.warmup) return undefined;
    this.recent.push(motion);
    if (this.recent.length > this.window) this.recent.shift();
    const ref = this.reference;
    if (this.warned || ref === undefined || ref <= 0 || this.recent.length < this.window) return undefined;
    const now = this.recent.reduce((a, v) => a + v, 0) / this.recent.length;
    if (now >= this.fraction * ref) return undefined;
    this.warned = true;
    return `by step ${step} the embedding's frame-to-frame motion fell to ${((100 * now) / ref).toFixed(1)} % of its level at the end of the IDM warm-up: the encoder has probably lost the agent (collapse); try --idm-ramp 400 (ramps the other terms in) or another --seed`;
  }

  private inReference(step: number): boolean {
    return this.warmup > 0 && step > this.warmup - this.window && step <= this.warmup;
  }
}
