//! Latencies in a log-bucketed histogram, in the manner of HdrHistogram: every value below 128 µs
//! has its own bucket, and above that each power of two is split into 64 buckets, so a reported
//! percentile is within 1/64 (1.6 %) of the true value, in constant memory whatever the count.

use std::time::Duration;

/// Values below this are counted exactly, one bucket per microsecond.
const LINEAR: u64 = 128;
/// Buckets per power of two above `LINEAR`.
const SUB_BUCKETS: u64 = 64;

#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    pub fn new() -> Self {
        // Enough buckets for any u64 of microseconds.
        Self {
            counts: vec![0; index_of(u64::MAX) + 1],
            total: 0,
            max: 0,
        }
    }

    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.counts[index_of(micros)] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> Duration {
        Duration::from_micros(self.max)
    }

    /// The latency at or below which `quantile` (0.0 to 1.0) of the recorded values fall: the
    /// upper edge of the bucket holding that rank, never above the largest value seen.
    pub fn percentile(&self, quantile: f64) -> Duration {
        if self.total == 0 {
            return Duration::ZERO;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Duration::from_micros(upper_edge(index).min(self.max));
            }
        }
        self.max()
    }
}

fn index_of(micros: u64) -> usize {
    if micros < LINEAR {
        return micros as usize;
    }
    // `micros` is in [2^e, 2^(e+1)); keep its top 7 bits (64 to 127 after the shift).
    let exponent = 63 - u64::from(micros.leading_zeros());
    let shift = exponent - 6;
    let mantissa = micros >> shift;
    (LINEAR + (shift - 1) * SUB_BUCKETS + (mantissa - SUB_BUCKETS)) as usize
}

/// The largest value that lands in bucket `index`.
fn upper_edge(index: usize) -> u64 {
    let index = index as u64;
    if index < LINEAR {
        return index;
    }
    let shift = (index - LINEAR) / SUB_BUCKETS + 1;
    let mantissa = (index - LINEAR) % SUB_BUCKETS + SUB_BUCKETS;
    let next = u128::from(mantissa + 1) << shift;
    u64::try_from(next - 1).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn an_empty_histogram_reports_zero() {
        let h = Histogram::new();
        assert_eq!(h.count(), 0);
        assert_eq!(h.percentile(0.99), Duration::ZERO);
    }

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::new();
        for v in 1..=100 {
            h.record(micros(v));
        }
        assert_eq!(h.percentile(0.50), micros(50));
        assert_eq!(h.percentile(0.95), micros(95));
        assert_eq!(h.percentile(0.99), micros(99));
        assert_eq!(h.percentile(1.0), micros(100));
        assert_eq!(h.max(), micros(100));
    }

    #[test]
    fn large_values_are_within_two_percent() {
        let mut h = Histogram::new();
        // 1 ms to 10 s in 10 µs steps: the true p-th percentile is known.
        let values: Vec<u64> = (100..=1_000_000).map(|v| v * 10).collect();
        for v in &values {
            h.record(micros(*v));
        }
        for q in [0.5, 0.9, 0.95, 0.99, 0.999] {
            let truth = values[((q * values.len() as f64).ceil() as usize) - 1] as f64;
            let got = h.percentile(q).as_micros() as f64;
            assert!(got >= truth, "q={q}: {got} below {truth}");
            assert!(
                (got - truth) / truth < 1.0 / 64.0,
                "q={q}: {got} vs {truth}"
            );
        }
        assert_eq!(h.max(), micros(10_000_000));
    }

    #[test]
    fn one_slow_request_in_a_hundred_is_the_p99_and_not_the_p95() {
        let mut h = Histogram::new();
        for _ in 0..98 {
            h.record(Duration::from_millis(2));
        }
        h.record(Duration::from_millis(300));
        h.record(Duration::from_millis(300));
        assert!(h.percentile(0.95) < Duration::from_micros(2_100));
        let p99 = h.percentile(0.99);
        assert!(p99 >= Duration::from_millis(295) && p99 <= Duration::from_millis(300));
    }

    #[test]
    fn every_value_lands_in_a_bucket_whose_edge_is_at_or_above_it() {
        for v in (0..20_000_u64).chain([u64::MAX / 3, u64::MAX]) {
            let index = index_of(v);
            assert!(upper_edge(index) >= v, "{v}");
            if index > 0 {
                assert!(upper_edge(index - 1) < v, "{v}");
            }
        }
    }
}
