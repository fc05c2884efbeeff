// Order statistics for benchmark samples. Medians, not means: one GC pause or scheduler hiccup
// moves a mean a lot and a median hardly at all.

/** The q-quantile (0..1) of numbers, linearly interpolated. */
export function quantile(values, q) {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

export const median = (values) => quantile(values, 0.5);

/** Median and interquartile range of samples. */
export function summary(values) {
  return { median: median(values), p25: quantile(values, 0.25), p75: quantile(values, 0.75), n: values.length };
}
