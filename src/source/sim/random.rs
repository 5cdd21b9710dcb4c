//! Random durations drawn from the generator's PRNG, so a seed gives the same simulation on
//! every version of gpufleet.

use crate::generate::Rng;
use std::time::Duration;

/// `d` times a non-negative factor, saturating instead of overflowing.
pub(super) fn scale(d: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * factor.max(0.0)).unwrap_or(if factor > 0.0 {
        Duration::MAX
    } else {
        Duration::ZERO
    })
}

/// Uniform between two durations.
pub(super) fn between(rng: &mut Rng, low: Duration, high: Duration) -> Duration {
    low.saturating_add(scale(high.saturating_sub(low), rng.unit()))
}

/// Exponentially distributed with this mean (the gaps of a Poisson process), cut at 20 means
/// so one unlucky draw cannot stop a process for good.
pub(super) fn exponential(rng: &mut Rng, mean: Duration) -> Duration {
    let draw = -(1.0 - rng.unit()).ln();
    scale(mean, draw.min(20.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_range_and_average_out() {
        let mut rng = Rng::new(3);
        let (lo, hi) = (Duration::from_secs(5), Duration::from_secs(15));
        assert!((0..1000).all(|_| (lo..hi).contains(&between(&mut rng, lo, hi))));
        let mean = Duration::from_secs(10);
        let total: Duration = (0..10_000).map(|_| exponential(&mut rng, mean)).sum();
        let avg = total.as_secs_f64() / 10_000.0;
        assert!((9.0..11.0).contains(&avg), "mean {avg}");
        assert_eq!(scale(Duration::MAX, 2.0), Duration::MAX);
        assert_eq!(scale(mean, f64::NAN), Duration::ZERO);
    }
}
