/**
 * An independent float64 PCA for checking the app's exports: full covariance, cyclic Jacobi
 * eigen-decomposition. Slow but simple; fine for the tiny fixtures' D = 64.
 */
export function referencePca(
  x: Float64Array[],
  k: number,
): { components: Float64Array[]; values: number[] } {
  const n = x.length;
  const d = x[0].length;
  const mean = new Float64Array(d);
  for (const row of x) for (let j = 0; j < d; j++) mean[j] += row[j] / n;
  const a = Array.from({ length: d }, () => new Float64Array(d));
  for (const row of x) {
    for (let i = 0; i < d; i++) {
      const ci = row[i] - mean[i];
      for (let j = i; j < d; j++) a[i][j] += (ci * (row[j] - mean[j])) / (n - 1);
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) a[i][j] = a[j][i];
  const v = Array.from({ length: d }, (_, i) => {
    const r = new Float64Array(d);
    r[i] = 1;
    return r;
  });
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p][q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < d; r++) {
          const arp = a[r][p];
          const arq = a[r][q];
          a[r][p] = c * arp - s * arq;
          a[r][q] = s * arp + c * arq;
        }
        for (let r = 0; r < d; r++) {
          const apr = a[p][r];
          const aqr = a[q][r];
          a[p][r] = c * apr - s * aqr;
          a[q][r] = s * apr + c * aqr;
        }
        for (let r = 0; r < d; r++) {
          const vrp = v[r][p];
          const vrq = v[r][q];
          v[r][p] = c * vrp - s * vrq;
          v[r][q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  const components = order.slice(0, k).map((col) => Float64Array.from(v, (row) => row[col]));
  return { components, values: order.slice(0, k).map((i) => a[i][i]) };
}

/** Scores of the rows on the components, each min-max scaled to [0, 1] over all rows. */
export function referenceColours(x: Float64Array[], components: Float64Array[]): Float64Array[] {
  const n = x.length;
  const d = x[0].length;
  const mean = new Float64Array(d);
  for (const row of x) for (let j = 0; j < d; j++) mean[j] += row[j] / n;
  const scores = x.map((row) =>
    Float64Array.from(components, (c) =>
      c.reduce((acc, cj, j) => acc + cj * (row[j] - mean[j]), 0),
    ),
  );
  const k = components.length;
  for (let c = 0; c < k; c++) {
    const lo = Math.min(...scores.map((s) => s[c]));
    const hi = Math.max(...scores.map((s) => s[c]));
    for (const s of scores) s[c] = (s[c] - lo) / (hi - lo || 1);
  }
  return scores;
}
