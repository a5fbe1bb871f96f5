import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hueAngles, hueRotation, rotateHues } from '../src/train/augment.ts';

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
