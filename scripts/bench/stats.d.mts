// Types for stats.mjs (plain JS so that `npm run bench` runs on Node 20 without a TS loader).
export interface Summary {
  median: number | null;
  min: number | null;
  max: number | null;
  n: number;
  values: number[];
}
export function median(values: (number | null | undefined)[]): number | null;
export function summarize(values: (number | null | undefined)[]): Summary;
export function round(x: number | null | undefined, digits?: number): number | null;
export function ratio(a: number | null, b: number | null): number | null;
export function pairedRatio(a: number[] | undefined, b: number[] | undefined): number | null;
export interface PairedInterval {
  ratio: number;
  lo: number;
  hi: number;
  n: number;
}
export type Verdict = 'yes' | 'no' | 'unresolved';
export function pairedInterval(
  a: number[] | undefined,
  b: number[] | undefined,
  opts?: { level?: number; resamples?: number; seed?: number },
): PairedInterval | null;
export function robustVerdict(
  iv: PairedInterval | null,
  max: number,
  strict: boolean,
): Verdict | null;
export interface Comparison extends PairedInterval {
  key: 'e2e_vs_tjs' | 'features_vs_tjs' | 'overhead';
  max: number;
  strict: boolean;
  verdict: Verdict | null;
}
export function caseComparisons(
  c: { model: string; resolution: number; backend: string },
  raw: { app: number[]; features: number[]; bare: number[]; tjs: number[] },
): Comparison[];
export function bytesPerImage(p: {
  tokens: number;
  dim: number;
  imageFileBytes?: number;
  metadataBytes?: number;
  collection?: { images: number; memoryBytes: number } | null;
}): {
  tokens: number;
  dim: number;
  memory: number;
  memory_measured_over: number | null;
  stored: number;
  storedWithImage: number;
};
export const TARGETS: { key: string; label: string; max: number; strict: boolean }[];
export function meets(
  value: number | null | undefined,
  max: number,
  strict: boolean,
): boolean | null;
export interface TargetResult {
  key: string;
  label: string;
  target: string;
  value: number | null;
  holds: boolean | null;
  paired?: PairedInterval | null;
  robust?: Verdict | null;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the results object is built in run.mjs
export function judge(results: any): TargetResult[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function markdown(results: any): string;
export function fmtBytes(n: number | null | undefined): string;
