/**
 * The benchmarks' statistics, in one place: nearest-rank percentiles and the median.
 * No samples give NaN (printed as "–", null in JSON), never a zero that reads like a figure.
 */

const ascending = (a: number, b: number): number => a - b;

/** Nearest-rank percentile of an ascending-sorted array (hot paths sort a typed array once and ask several). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Nearest-rank percentile of samples in any order. */
export const percentileOf = (xs: readonly number[], p: number): number => percentile([...xs].sort(ascending), p);

/** Median (mean of the middle two for an even count); robust to one starved run on a shared machine. */
export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort(ascending);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};


export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
