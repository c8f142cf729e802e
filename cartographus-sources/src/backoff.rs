//! Sans-IO retry pacing: exponential [`Backoff`] with jitter (1 s doubling to 60 s by
//! default) and a per-server [`CircuitBreaker`] that opens after repeated failures and
//! half-opens after a cool-down. Both take the current instant as an argument and
//! never read a clock; the jitter comes from a seeded generator.

use std::time::{Duration, Instant};

/// Exponential backoff with "equal jitter": each delay is half the exponential step
/// plus a random share of the other half.
///
/// ## Defaults
/// - `initial`: 1 s; `max`: 60 s; the step doubles per failure.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    attempt: u32,
    rng: u64,
}

impl Backoff {
    /// A backoff from `initial` to `max`, jittered by a generator seeded with `seed`.
    pub fn new(initial: Duration, max: Duration, seed: u64) -> Self {
        Self {
            initial,
            max: max.max(initial),
            attempt: 0,
            rng: seed | 1,
        }
    }

    /// The delay before the next attempt, and one more failure counted.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX);
        let step = self.initial.saturating_mul(factor).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = step / 2;
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let share = (r >> 11) as f64 / (1u64 << 53) as f64;
        half + half.mul_f64(share)
    }

    /// Back to the first step (after a success).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// Failures counted since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Duration::from_secs(1), Duration::from_secs(60), 0x5EED)
    }
}

/// The state of a [`CircuitBreaker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests flow.
    Closed,
    /// Requests are refused until the instant.
    Open {
        /// When a trial request is allowed again.
        until: Instant,
    },
    /// One trial request may go; its outcome closes or re-opens the breaker.
    HalfOpen,
}

/// Opens after `threshold` consecutive failures and stays open for `cool_down`.
///
/// Order of calls: [`CircuitBreaker::allow`] before each request, then
/// [`CircuitBreaker::on_success`] or [`CircuitBreaker::on_failure`] with its outcome.
///
/// ## Defaults
/// - `threshold`: 5 failures; `cool_down`: 30 s.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    threshold: u32,
    cool_down: Duration,
    failures: u32,
    state: BreakerState,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cool_down,
            failures: 0,
            state: BreakerState::Closed,
        }
    }

    /// Whether a request may go at `now` (moves an expired open breaker to half-open).
    pub fn allow(&mut self, now: Instant) -> Result<(), Instant> {
        match self.state {
            BreakerState::Closed | BreakerState::HalfOpen => Ok(()),
            BreakerState::Open { until } if now >= until => {
                self.state = BreakerState::HalfOpen;
                Ok(())
            }
            BreakerState::Open { until } => Err(until),
        }
    }

    /// A request succeeded.
    pub fn on_success(&mut self) {
        self.failures = 0;
        self.state = BreakerState::Closed;
    }

    /// A request failed at `now`.
    pub fn on_failure(&mut self, now: Instant) {
        self.failures = self.failures.saturating_add(1);
        if self.state == BreakerState::HalfOpen || self.failures >= self.threshold {
            self.state = BreakerState::Open {
                until: now + self.cool_down,
            };
        }
    }

    /// The current state.
    pub fn state(&self) -> BreakerState {
        self.state
    }
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self::new(5, Duration::from_secs(30))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_the_cap_with_jitter() {
        let mut b = Backoff::default();
        let delays: Vec<Duration> = (0..10).map(|_| b.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(500) && delays[0] <= Duration::from_secs(1));
        assert!(delays[3] >= Duration::from_secs(4) && delays[3] <= Duration::from_secs(8));
        for d in &delays[6..] {
            assert!(*d >= Duration::from_secs(30) && *d <= Duration::from_secs(60));
        }
        assert_eq!(b.attempts(), 10);
        b.reset();
        assert!(b.next_delay() <= Duration::from_secs(1));
    }

    #[test]
    fn breaker_opens_and_half_opens() {
        let t0 = Instant::now();
        let mut c = CircuitBreaker::new(3, Duration::from_secs(30));
        for _ in 0..2 {
            c.on_failure(t0);
        }
        assert!(c.allow(t0).is_ok());
        c.on_failure(t0);
        assert_eq!(
            c.allow(t0 + Duration::from_secs(1)),
            Err(t0 + Duration::from_secs(30))
        );
        assert!(c.allow(t0 + Duration::from_secs(31)).is_ok());
        assert_eq!(c.state(), BreakerState::HalfOpen);
        c.on_failure(t0 + Duration::from_secs(31));
        assert!(c.allow(t0 + Duration::from_secs(32)).is_err());
        assert!(c.allow(t0 + Duration::from_secs(62)).is_ok());
        c.on_success();
        assert_eq!(c.state(), BreakerState::Closed);
    }
}
