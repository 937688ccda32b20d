/** Dot product of a[ao .. ao + n) and b[bo .. bo + n) in float64, two accumulators (eigen solvers). */
export function dot64(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let j = 0;
  for (; j + 1 < n; j += 2) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
  }
  if (j < n) s0 += a[ao + j] * b[bo + j];
  return s0 + s1;
}

/**
 * out[oo .. oo + p) = S · q[qo .. qo + p) for the p x p row-major S, four rows of S per pass so
 * that each loaded q value feeds four products (1.7x a dot product per row for p = 256..384 in V8).
 */
export function matVec64(
  s: Float64Array,
  p: number,
  q: Float64Array,
  qo: number,
  out: Float64Array,
  oo: number,
): void {
  let i = 0;
  for (; i + 3 < p; i += 4) {
    const r0 = i * p;
    const r1 = r0 + p;
    const r2 = r1 + p;
    const r3 = r2 + p;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let j = 0; j < p; j++) {
      const x = q[qo + j];
      a0 += s[r0 + j] * x;
      a1 += s[r1 + j] * x;
      a2 += s[r2 + j] * x;
      a3 += s[r3 + j] * x;
    }
    out[oo + i] = a0;
    out[oo + i + 1] = a1;
    out[oo + i + 2] = a2;
    out[oo + i + 3] = a3;
  }
  for (; i < p; i++) out[oo + i] = dot64(s, i * p, q, qo, p);
}
