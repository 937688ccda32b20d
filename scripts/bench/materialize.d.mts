// Types for materialize.mjs (plain JS so that it runs on Node 20 without a TS loader).
export function hash32(s: string): number;
export function uniformStream(seed: number): () => number;
export function fillNormal(
  out: Float32Array,
  mean: number,
  std: number,
  rand: () => number,
): Float32Array;
export function isScale(name: string): boolean;
export function tensorValues(t: { name: string; length: number }, seed: number): Float32Array;
export function materialize(
  skeletonDir: string,
  outDir: string,
  opts?: { seed?: number },
): { model: string; data: string; weightBytes: number; reused: boolean };
