/**
 * Top-k eigenpairs by single-vector Lanczos with full reorthogonalization: the fast path of
 * `topEigen` for the 256..1024-sized Gram and covariance matrices of PCA maps.
 *
 * Each step costs one matrix-vector product, and the Krylov polynomial's degree grows by one per
 * product, so the top few eigenpairs of a slowly decaying spectrum converge in a few dozen products
 * (measured on ViT-S tokens: about 40 for a 256 x 256 Gram matrix, 4x cheaper than the restarted
 * block iteration). Reorthogonalizing every new vector twice against the whole basis keeps it
 * orthonormal to rounding, so there are no spurious copies of converged values.
 *
 * A single start vector cannot see the multiplicity of a repeated eigenvalue (its Krylov space meets
 * each eigenspace in one direction). So the result is checked: a short second Lanczos run on the
 * operator deflated by the found vectors must find nothing above the k-th value. If it does, the
 * answer is null and the caller uses the block method, which handles invariant subspaces.
 */

import { dot64, matVec64 } from './dot64';
import type { Eigen } from './pca-eigen';
import { symmetricEigen } from './pca-tridiag';

/** Residual bound ||Sx - θx|| <= TOLERANCE · |θ_max| for the k pairs, as the block method uses. */
const TOLERANCE = 1e-10;
/** Steps of the deflated check run: enough to see an eigenvalue of the size of the top ones. */
const CHECK_STEPS = 24;
/** A missed eigenvalue counts when it is this much (of |θ_max|) above the k-th found one. */
const MISSED_BY = 1e-8;
/** Basis rows allocated at first (grown by doubling). */
const FIRST_ROWS = 48;

/** The k largest eigenpairs of the symmetric p x p `s`, or null when the block method must decide. */
export function lanczosTop(
  s: Float64Array,
  p: number,
  k: number,
  rng: () => number,
  maxSteps = Math.min(p, 200),
): Eigen | null {
  const run = lanczos(s, p, k, rng, maxSteps, null);
  if (!run) return null;
  const last = run.values[k - 1];
  const scale = Math.max(Math.abs(run.values[0]), Number.MIN_VALUE);
  if (p - k >= 1 && !noneMissed(s, p, run.values, scale)) {
    const check = lanczos(s, p, 1, rng, Math.min(p - k, CHECK_STEPS), run.vectors);
    // Not converged is fine here: Ritz values only grow towards the deflated top eigenvalue.
    const found = check ? check.values[0] : 0;
    if (found > last + MISSED_BY * scale) return null;
  }
  return run;
}

/**
 * True when no eigenvalue above the k-th found one (by more than MISSED_BY) can have been missed,
 * proven from the Frobenius norm alone, so the deflated check run (about half of the work) can be
 * skipped: ||S||²_F is the sum of all squared eigenvalues, and the converged Ritz values lie within
 * their residual of k distinct eigenvalues (Kahan's theorem: the Ritz vectors are orthonormal). A
 * missed eigenvalue μ > θ_k + MISSED_BY·|θ_max| would add μ² on top of theirs. So when
 * Σ(θ_i - r)² + (θ_k + MISSED_BY·|θ_max|)² exceeds ||S||²_F, there is none. This holds when the
 * top k carry most of the spectrum's energy (the usual PCA picture); otherwise the check run
 * decides as before.
 */
export function noneMissed(
  s: Float64Array,
  p: number,
  values: Float64Array,
  scale: number,
): boolean {
  const k = values.length;
  const floor = values[k - 1] + MISSED_BY * scale;
  if (!(floor > 0)) return false;
  let frobenius = 0;
  for (let i = 0; i < p * p; i++) frobenius += s[i] * s[i];
  // Each residual is at most TOLERANCE times the largest |Ritz value| <= ||S||₂ <= ||S||_F, so
  // ||R||₂ <= √k·TOLERANCE·||S||_F; rounding of the sum of p² squares is far below the margin.
  const r = Math.sqrt(k) * TOLERANCE * Math.sqrt(frobenius);
  let found = floor * floor;
  for (let i = 0; i < k; i++) {
    const low = Math.max(Math.abs(values[i]) - r, 0);
    found += low * low;
  }
  return found > frobenius * (1 + 1e-10);
}

interface Run extends Eigen {
  /** The top Ritz value after the last step, converged or not. */
  values: Float64Array;
}

/**
 * Lanczos on S, or on (I - XXᵀ) S (I - XXᵀ) when `deflate` holds orthonormal rows X: every basis
 * vector is kept orthogonal to them, which is the same thing. Returns the top k Ritz pairs once
 * converged; a deflated run (k = 1) also returns its best value when it runs out of steps.
 */
function lanczos(
  s: Float64Array,
  p: number,
  k: number,
  rng: () => number,
  maxSteps: number,
  deflate: Float64Array | null,
): Run | null {
  const fixed = deflate ? deflate.length / p : 0;
  // The basis grows as needed: most runs stop after a few dozen of the maxSteps + 1 rows.
  let q = new Float64Array((Math.min(maxSteps, FIRST_ROWS) + 1) * p);
  const alpha = new Float64Array(maxSteps);
  const beta = new Float64Array(maxSteps);
  const w = new Float64Array(p);
  randomUnit(q, 0, p, rng, deflate, fixed);
  let norm = 0; // running estimate of ||S||, for the breakdown test
  for (let j = 0; j < maxSteps; j++) {
    const qj = j * p;
    matVec64(s, p, q, qj, w, 0);
    let a = 0;
    for (let i = 0; i < p; i++) a += q[qj + i] * w[i];
    alpha[j] = a;
    // Full reorthogonalization (twice) against the fixed rows and the basis so far replaces the
    // three-term recurrence's subtraction and keeps the basis orthonormal to rounding.
    for (let pass = 0; pass < 2; pass++) {
      if (deflate) for (let r = 0; r < fixed; r++) project(deflate, r * p, w, p);
      for (let r = 0; r <= j; r++) project(q, r * p, w, p);
    }
    const b = Math.sqrt(dotVec(w, w, p));
    norm = Math.max(norm, Math.abs(a) + b);
    const m = j + 1;
    const done = m === maxSteps || m + fixed === p || b <= 1e-12 * norm;
    if (m >= k && (done || m % 4 === 0)) {
      const t = new Float64Array(m * m);
      for (let i = 0; i < m; i++) {
        t[i * m + i] = alpha[i];
        if (i + 1 < m) t[i * m + i + 1] = t[(i + 1) * m + i] = beta[i];
      }
      const ritz = symmetricEigen(t, m);
      const scale = Math.max(Math.abs(ritz.values[0]), Math.abs(ritz.values[m - 1]));
      let converged = true;
      for (let i = 0; i < k && converged; i++) {
        converged = b * Math.abs(ritz.vectors[i * m + m - 1]) <= TOLERANCE * scale;
      }
      // The whole space spanned: Ritz pairs are exact.
      if (m + fixed === p) converged = true;
      if (converged || (deflate && done)) {
        const vectors = new Float64Array(k * p);
        for (let i = 0; i < k; i++) {
          for (let a2 = 0; a2 < m; a2++) {
            const y = ritz.vectors[i * m + a2];
            for (let c = 0; c < p; c++) vectors[i * p + c] += y * q[a2 * p + c];
          }
        }
        return { values: ritz.values.slice(0, k), vectors, converged };
      }
    }
    if (m === maxSteps || m + fixed === p) break;
    if ((m + 1) * p > q.length) {
      const grown = new Float64Array((Math.min(maxSteps, 2 * m) + 1) * p);
      grown.set(q);
      q = grown;
    }
    if (b <= 1e-12 * norm) {
      // An invariant subspace is exhausted: go on from a fresh direction (T splits into blocks).
      beta[j] = 0;
      randomUnit(q, m, p, rng, deflate, fixed, m);
    } else {
      beta[j] = b;
      const inv = 1 / b;
      for (let i = 0; i < p; i++) q[m * p + i] = w[i] * inv;
    }
  }
  return null;
}

/** Row `idx` of q := a random unit vector orthogonal to the fixed rows and to q's rows below `idx`. */
function randomUnit(
  q: Float64Array,
  idx: number,
  p: number,
  rng: () => number,
  deflate: Float64Array | null,
  fixed: number,
  below = 0,
): void {
  const v = q.subarray(idx * p, (idx + 1) * p);
  for (let attempt = 0; attempt < 8; attempt++) {
    for (let i = 0; i < p; i++) v[i] = rng() - 0.5;
    for (let pass = 0; pass < 2; pass++) {
      if (deflate) for (let r = 0; r < fixed; r++) project(deflate, r * p, v, p);
      for (let r = 0; r < below; r++) project(q, r * p, v, p);
    }
    const n = Math.sqrt(dotVec(v, v, p));
    if (n > 1e-8) {
      for (let i = 0; i < p; i++) v[i] /= n;
      return;
    }
  }
  throw new Error('lanczosTop: could not find a new direction');
}

/** v -= (u·v) u for the unit row of `a` at `ao`. */
function project(a: Float64Array, ao: number, v: Float64Array, p: number): void {
  let d = 0;
  for (let i = 0; i < p; i++) d += a[ao + i] * v[i];
  for (let i = 0; i < p; i++) v[i] -= d * a[ao + i];
}

function dotVec(a: Float64Array, b: Float64Array, n: number): number {
  return dot64(a, 0, b, 0, n);
}
