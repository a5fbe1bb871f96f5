import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentFrames, hueAngles, hueRotation, pixelShifts, rotateHues, shiftFrames } from '../src/train/augment.ts';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('hue rotation: greys stay, 120° cycles the primaries, brightness is kept, θ then −θ is the identity', () => {
  const grey = Float32Array.of(0.3, 0.3, 0.3, 0.8, 0.8, 0.8);
  rotateHues(grey, 1, 2, Float32Array.of(77));
  close(grey, [0.3, 0.3, 0.3, 0.8, 0.8, 0.8]);
  const primaries = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
  rotateHues(primaries, 1, 3, Float32Array.of(120));
  close(primaries, [0, 1, 0, 0, 0, 1, 1, 0, 0]);
  const m = hueRotation(37);
  for (let r = 0; r < 3; r++) close([m[3 * r]! + m[3 * r + 1]! + m[3 * r + 2]!], [1], 1e-6); // rows sum to 1: grey and mean kept
  // A low-saturation colour stays in [0, 1] under rotation, so ±θ round-trips exactly.
  const c = Float32Array.of(0.5, 0.4, 0.6), orig = Float32Array.from(c);
  rotateHues(c, 1, 1, Float32Array.of(25));
  assert.ok(Math.abs(c[0]! - orig[0]!) > 0.01, 'the colour changed');
  close([c[0]! + c[1]! + c[2]!], [1.5], 1e-5);
  rotateHues(c, 1, 1, Float32Array.of(-25));
  close(c, orig);
});

test('hue rotation: one angle per window for all its frames; values clipped to [0, 1]', () => {
  // 2 windows × 2 frames × 1 pixel: the same colour everywhere, window 0 unrotated.
  const px = new Float32Array(12);
  for (let i = 0; i < 4; i++) px.set([0.9, 0.1, 0.1], 3 * i);
  rotateHues(px, 2, 2, Float32Array.of(0, 60));
  close(px.subarray(0, 6), [0.9, 0.1, 0.1, 0.9, 0.1, 0.1]);
  close(px.subarray(6, 9), px.subarray(9, 12));
  assert.ok(px[7]! > 0.1, 'window 1 rotated toward yellow');
  for (const v of px) assert.ok(v >= 0 && v <= 1);
  assert.throws(() => rotateHues(new Float32Array(10), 2, 1, Float32Array.of(0, 0)), /do not split/);
});

test('hue angles: within ±max, deterministic per seed and step, different across steps', () => {
  const a = hueAngles(64, 30, 7, 12), b = hueAngles(64, 30, 7, 12), c = hueAngles(64, 30, 7, 13);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const v of a) assert.ok(Math.abs(v) <= 30);
  assert.ok(Math.max(...a) > 15 && Math.min(...a) < -15, 'spread over the range');
});

test('pixel shift: content moves by (dx, dy) with the edge repeated; one shift per window, goal frames alike', () => {
  // 2 windows × 2 frames of 3×3 RGB; pixel (x, y) holds (x, y, frame) so moves are readable.
  const size = 3, px = new Float32Array(2 * 2 * size * size * 3);
  for (let wf = 0; wf < 4; wf++) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) px.set([x, y, wf], ((wf * size + y) * size + x) * 3);
  const orig = Float32Array.from(px);
  shiftFrames(px, 2, 2, size, Int32Array.of(0, 0, 1, -1));
  assert.deepEqual(px.subarray(0, 54), orig.subarray(0, 54), 'window 0 unshifted');
  const at = (wf: number, x: number, y: number) => Array.from(px.subarray(((wf * size + y) * size + x) * 3, ((wf * size + y) * size + x) * 3 + 3));
  for (const wf of [2, 3]) {
    // Content moved right by 1 and up by 1: output (x, y) shows input (x − 1, y + 1), clamped to the frame.
    assert.deepEqual(at(wf, 0, 0), [0, 1, wf], 'left column repeats the edge');
    assert.deepEqual(at(wf, 2, 0), [1, 1, wf]);
    assert.deepEqual(at(wf, 1, 2), [0, 2, wf], 'bottom row repeats the edge');
  }
  assert.throws(() => shiftFrames(new Float32Array(10), 1, 1, size, Int32Array.of(1, 1)), /are not 1 windows/);
  // augmentFrames applies both parts; without either it leaves the frames alone.
  const g = Float32Array.from(orig.subarray(0, 27));
  augmentFrames(g, 1, 1, size, undefined);
  assert.deepEqual(g, orig.subarray(0, 27));
  augmentFrames(g, 1, 1, size, { shifts: Int32Array.of(-1, 0) });
  assert.deepEqual(Array.from(g.subarray(0, 3)), [1, 0, 0], 'content moved left');
});

test('pixel shifts: whole numbers within ±max, deterministic per seed and step, every offset drawn', () => {
  const a = pixelShifts(200, 3, 5, 9), b = pixelShifts(200, 3, 5, 9), c = pixelShifts(200, 3, 5, 10);
  assert.equal(a.length, 400);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(new Set(a), new Set([-3, -2, -1, 0, 1, 2, 3]));
});
