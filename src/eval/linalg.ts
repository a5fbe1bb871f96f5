/**
 * Small dense linear algebra on the host for evaluation metrics (latent dims ≤ a few hundred):
 * symmetric eigenvalues (cyclic Jacobi), ridge regression. Model math runs in jax-js; this is
 * only for probes and collapse monitors on already-computed latents.
 */

/** Eigenvalues of a symmetric n×n matrix (row-major), descending. */
export function symmetricEigenvalues(m: Float64Array, n: number): number[] {
  const a = Float64Array.from(m);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => y - x);
}

/** Covariance (n×n) of rows x [m, n]. */
export function covariance(x: Float32Array | Float64Array, m: number, n: number): Float64Array {
  const mean = new Float64Array(n);
  for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) mean[j]! += x[r * n + j]! / m;
  const cov = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < n; i++) {
      const di = x[r * n + i]! - mean[i]!;
      for (let j = i; j < n; j++) cov[i * n + j]! += (di * (x[r * n + j]! - mean[j]!)) / Math.max(1, m - 1);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) cov[i * n + j] = cov[j * n + i]!;
  return cov;
}

/** Effective rank: exp(entropy) of the normalised covariance spectrum (1 = collapsed, n = isotropic). */
export function effectiveRank(x: Float32Array | Float64Array, m: number, n: number): number {
  const ev = symmetricEigenvalues(covariance(x, m, n), n).map((v) => Math.max(0, v));
  const total = ev.reduce((a, b) => a + b, 0);
  if (total <= 0) return 0;
  let h = 0;
  for (const v of ev) if (v > 0) h -= (v / total) * Math.log(v / total);
  return Math.exp(h);
}

/** Per-dimension standard deviation of rows x [m, n]. */
export function columnStd(x: Float32Array | Float64Array, m: number, n: number): number[] {
  const cov = covariance(x, m, n);
  return Array.from({ length: n }, (_, i) => Math.sqrt(Math.max(0, cov[i * n + i]!)));
}

/** Solves A x = b (n×n, Gaussian elimination with partial pivoting); b may have k columns. */
function solve(a: Float64Array, b: Float64Array, n: number, k: number): Float64Array {
  const A = Float64Array.from(a), B = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]!) > Math.abs(A[piv * n + c]!)) piv = r;
    if (piv !== c) {
      for (let j = 0; j < n; j++) [A[c * n + j], A[piv * n + j]] = [A[piv * n + j]!, A[c * n + j]!];
      for (let j = 0; j < k; j++) [B[c * k + j], B[piv * k + j]] = [B[piv * k + j]!, B[c * k + j]!];
    }
    const d = A[c * n + c]! || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c]! / d;
      if (!f) continue;
      for (let j = c; j < n; j++) A[r * n + j]! -= f * A[c * n + j]!;
      for (let j = 0; j < k; j++) B[r * k + j]! -= f * B[c * k + j]!;
    }
  }
  const X = new Float64Array(n * k);
  for (let r = n - 1; r >= 0; r--) {
    for (let j = 0; j < k; j++) {
      let v = B[r * k + j]!;
      for (let c = r + 1; c < n; c++) v -= A[r * n + c]! * X[c * k + j]!;
      X[r * k + j] = v / (A[r * n + r]! || 1e-12);
    }
  }
  return X;
}

/**
 * Ridge regression from features x [m, n] to targets y [m, k], fitted on rows `fit`; returns the
 * fitted map from one feature row (n numbers) to its k predictions.
 */
export function linearProbeFit(x: ArrayLike<number>, y: ArrayLike<number>, n: number, k: number, fit: number[], ridge = 1e-3): (features: ArrayLike<number>) => number[] {
  const p = n + 1; // bias column
  const xtx = new Float64Array(p * p), xty = new Float64Array(p * k);
  const v = new Float64Array(p);
  for (const r of fit) {
    for (let j = 0; j < n; j++) v[j] = x[r * n + j]!;
    v[n] = 1;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) xtx[i * p + j]! += v[i]! * v[j]!;
      for (let j = 0; j < k; j++) xty[i * k + j]! += v[i]! * y[r * k + j]!;
    }
  }
  for (let i = 0; i < n; i++) xtx[i * p + i]! += ridge * fit.length;
  const w = solve(xtx, xty, p, k);
  return (f) => Array.from({ length: k }, (_, j) => {
    let pred = w[n * k + j]!;
    for (let i = 0; i < n; i++) pred += f[i]! * w[i * k + j]!;
    return pred;
  });
}

/** R² per target column of a fitted probe on rows `score` of features x [m, n] and targets y [m, k]. */
export function probeR2(probe: (features: ArrayLike<number>) => number[], x: ArrayLike<number>, y: ArrayLike<number>, n: number, k: number, score: number[]): number[] {
  const preds = score.map((r) => probe(Array.from({ length: n }, (_, j) => x[r * n + j]!)));
  return Array.from({ length: k }, (_, j) => {
    let mean = 0;
    for (const r of score) mean += y[r * k + j]! / score.length;
    let ssRes = 0, ssTot = 0;
    score.forEach((r, q) => {
      ssRes += (y[r * k + j]! - preds[q]![j]!) ** 2;
      ssTot += (y[r * k + j]! - mean) ** 2;
    });
    return ssTot > 0 ? 1 - ssRes / ssTot : 0;
  });
}

/**
 * Linear probe: ridge regression from features x [m, n] to targets y [m, k], fitted on rows
 * `fit` and scored (R² per target column) on rows `score`.
 */
export function linearProbeR2(x: ArrayLike<number>, y: ArrayLike<number>, n: number, k: number, fit: number[], score: number[], ridge = 1e-3): number[] {
  return probeR2(linearProbeFit(x, y, n, k, fit, ridge), x, y, n, k, score);
}
