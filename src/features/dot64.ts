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
