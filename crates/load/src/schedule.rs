//! An open-loop schedule: request `i` is due at `i / rate` seconds after the start, whether or
//! not earlier requests have answered. Latency is measured from the due time, not from when the
//! request actually left, so a stalled server shows up as latency instead of as fewer requests
//! ("coordinated omission").

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    rate: f64,
    total: u64,
}

impl Schedule {
    /// `rate` requests per second for `duration`.
    pub fn new(rate: f64, duration: Duration) -> Self {
        let total = (rate * duration.as_secs_f64()).floor() as u64;
        Self { rate, total }
    }

    /// How many requests the whole run sends.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// When request `index` is due, counted from the start.
    pub fn due(&self, index: u64) -> Duration {
        Duration::from_secs_f64(index as f64 / self.rate)
    }

    /// The requests due at or before `elapsed` that have not been sent, given `sent` so far:
    /// after a late wake-up the sender catches up at once instead of drifting.
    pub fn due_now(&self, sent: u64, elapsed: Duration) -> std::ops::Range<u64> {
        let due = ((elapsed.as_secs_f64() * self.rate).floor() as u64 + 1).min(self.total);
        sent..due.max(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_per_second_for_twenty_seconds_is_twenty_thousand_requests_a_millisecond_apart() {
        let schedule = Schedule::new(1_000.0, Duration::from_secs(20));
        assert_eq!(schedule.total(), 20_000);
        assert_eq!(schedule.due(0), Duration::ZERO);
        assert_eq!(schedule.due(1), Duration::from_millis(1));
        assert_eq!(schedule.due(19_999), Duration::from_millis(19_999));
    }

    #[test]
    fn a_late_wake_up_sends_everything_that_fell_due_meanwhile() {
        let schedule = Schedule::new(1_000.0, Duration::from_secs(1));
        assert_eq!(schedule.due_now(0, Duration::ZERO), 0..1);
        // The sender slept 50 ms (say the machine was busy): 50 more are due at once.
        assert_eq!(schedule.due_now(1, Duration::from_millis(50)), 1..51);
        // Nothing new within the same millisecond.
        assert_eq!(schedule.due_now(51, Duration::from_micros(50_500)), 51..51);
    }

    #[test]
    fn the_schedule_never_runs_past_its_total() {
        let schedule = Schedule::new(100.0, Duration::from_secs(2));
        assert_eq!(schedule.due_now(150, Duration::from_secs(60)), 150..200);
        assert_eq!(schedule.due_now(200, Duration::from_secs(61)), 200..200);
    }

    #[test]
    fn due_times_do_not_depend_on_answers() {
        // The schedule is a pure function of the index: slow answers cannot push it back.
        let schedule = Schedule::new(250.0, Duration::from_secs(4));
        for i in 0..schedule.total() {
            assert_eq!(schedule.due(i), Duration::from_secs_f64(i as f64 / 250.0));
        }
    }
}
