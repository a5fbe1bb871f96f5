/**
 * Colour augmentation for world-model training windows (`train world-model --hue-jitter DEG`).
 *
 * Held-out two-room scenes draw wall and floor hues from bands between the training bands
 * (30°-wide bands, every third held out), so an encoder that keys on exact colours meets hues it
 * never saw. Rotating every pixel's colour about the grey axis by a small random angle fills those
 * gaps while keeping brightness, saturation and the layout. One angle per window: its frames (and
 * its goal frame) change alike, so the dynamics the model learns are untouched.
 */
import { Rng } from '../rng.ts';

/** Row-major 3×3 matrix that rotates RGB colours by `deg` degrees about the grey axis (1,1,1). */
export function hueRotation(deg: number): Float32Array {
  // Rodrigues' formula with the unit axis k = (1,1,1)/√3: R = cI + (s/√3)[k]× + ((1−c)/3)·ones.
  const t = (deg * Math.PI) / 180, c = Math.cos(t), s = Math.sin(t) / Math.sqrt(3), o = (1 - c) / 3;
  return Float32Array.of(
    c + o, o - s, o + s,
    o + s, c + o, o - s,
    o - s, o + s, c + o,
  );
}

/**
 * Rotates the colours of `windows` × `framesPerWindow` RGB frames (pixels interleaved, values in
 * [0, 1]) in place, frame f of window w by `degrees[w]`; results are clipped to [0, 1].
 */
export function rotateHues(pixels: Float32Array, windows: number, framesPerWindow: number, degrees: Float32Array): void {
  const perWindow = pixels.length / windows;
  if (!Number.isInteger(perWindow) || perWindow % (3 * framesPerWindow) !== 0) throw new Error(`rotateHues: ${pixels.length} values do not split into ${windows} windows of ${framesPerWindow} RGB frames`);
  const clip = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
  for (let w = 0; w < windows; w++) {
    if (degrees[w] === 0) continue;
    const m = hueRotation(degrees[w]!);
    for (let i = w * perWindow, end = i + perWindow; i < end; i += 3) {
      const r = pixels[i]!, g = pixels[i + 1]!, b = pixels[i + 2]!;
      pixels[i] = clip(m[0]! * r + m[1]! * g + m[2]! * b);
      pixels[i + 1] = clip(m[3]! * r + m[4]! * g + m[5]! * b);
      pixels[i + 2] = clip(m[6]! * r + m[7]! * g + m[8]! * b);
    }
  }
}

/** One angle per window, uniform in [−maxDeg, maxDeg]; the same for a given seed and step. */
export function hueAngles(windows: number, maxDeg: number, seed: number, step: number): Float32Array {
  const rng = new Rng(seed, `hue-jitter/${step}`);
  return Float32Array.from({ length: windows }, () => rng.uniform(-maxDeg, maxDeg));
}

/**
 * Layout augmentation (`train world-model --shift-jitter PX`): translates every frame of a window
 * (and its goal frame) by one whole-pixel offset, repeating the edge pixels into the uncovered
 * rows and columns (DrQ's pad-and-crop). Held-out two-room layouts put the wall and door between
 * the training positions; a shift moves wall, door, agent and target together, so each window
 * shows the model a layout it has not seen while the motion stays the same. Measured on the
 * two-room keypoint recipe it does harm: the encoder finds the agent more slowly the larger the
 * shift, and at ±4 px the keypoints stop following it (docs/worldmodel.md).
 *
 * `pixels`: `windows` × `framesPerWindow` RGB frames of `size`×`size` (interleaved); `shifts`: two
 * integers per window, (dx, dy), content moving right/down for positive values.
 */
export function shiftFrames(pixels: Float32Array, windows: number, framesPerWindow: number, size: number, shifts: Int32Array): void {
  const frame = size * size * 3;
  if (pixels.length !== windows * framesPerWindow * frame) throw new Error(`shiftFrames: ${pixels.length} values are not ${windows} windows of ${framesPerWindow} ${size}×${size} RGB frames`);
  const src = new Float32Array(frame);
  const clamp = (v: number) => (v < 0 ? 0 : v >= size ? size - 1 : v);
  for (let w = 0; w < windows; w++) {
    const dx = shifts[2 * w]!, dy = shifts[2 * w + 1]!;
    if (dx === 0 && dy === 0) continue;
    for (let f = 0; f < framesPerWindow; f++) {
      const base = (w * framesPerWindow + f) * frame;
      src.set(pixels.subarray(base, base + frame));
      for (let y = 0; y < size; y++) {
        const row = clamp(y - dy) * size;
        for (let x = 0; x < size; x++) {
          const s = (row + clamp(x - dx)) * 3, d = base + (y * size + x) * 3;
          pixels[d] = src[s]!;
          pixels[d + 1] = src[s + 1]!;
          pixels[d + 2] = src[s + 2]!;
        }
      }
    }
  }
}

/** One (dx, dy) per window, each a whole number uniform in [−maxPx, maxPx]; the same for a given seed and step. */
export function pixelShifts(windows: number, maxPx: number, seed: number, step: number): Int32Array {
  const rng = new Rng(seed, `shift-jitter/${step}`);
  return Int32Array.from({ length: 2 * windows }, () => rng.int(2 * maxPx + 1) - maxPx);
}

/** Per-window augmentation of one training batch (either part may be absent). */
export interface WindowAugment {
  /** Hue rotation per window, degrees (rotateHues). */
  hueDegrees?: Float32Array;
  /** (dx, dy) per window, pixels (shiftFrames). */
  shifts?: Int32Array;
}

/** Applies `aug` in place to `windows` × `framesPerWindow` pooled RGB frames of `size`×`size`. */
export function augmentFrames(pixels: Float32Array, windows: number, framesPerWindow: number, size: number, aug: WindowAugment | undefined): void {
  if (aug?.hueDegrees) rotateHues(pixels, windows, framesPerWindow, aug.hueDegrees);
  if (aug?.shifts) shiftFrames(pixels, windows, framesPerWindow, size, aug.shifts);
}
