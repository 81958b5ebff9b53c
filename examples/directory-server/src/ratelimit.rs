//! Hand-out rate limits against one-time-prekey depletion ("Prekey Pogo",
//! arXiv 2504.07323; SPEC.md §17.7), in memory:
//! - per requester, a token bucket on bundle fetches (over it: HTTP 429);
//! - per (requester, target) pair, a cap on fetches per window (over it: 429;
//!   a client needs one bundle per new session);
//! - per target, a cap on one-time prekeys handed out per window: past it
//!   bundles are still served, without a one-time prekey and with the
//!   last-resort KEM prekey (the last-resort path), so no one can drain the
//!   rest.
//!
//! A restart forgets the counters, which only ever lets requesters start over.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::store::DeviceId;

/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 100_000;

/// The limits (defaults in [`crate::ServerLimits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandoutLimits {
    /// Bundle fetches a requester may burst.
    pub burst: u32,
    /// Fetches a requester regains per hour.
    pub per_hour: u32,
    /// Fetches one requester may make for one target per `pair_window`.
    pub pair_fetches: u32,
    /// The per-pair window.
    pub pair_window: Duration,
    /// One-time prekeys handed out per target per `target_window`.
    pub target_one_time: u32,
    /// The per-target window.
    pub target_window: Duration,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The limiter's state.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: HashMap<DeviceId, Bucket>,
    pairs: HashMap<(DeviceId, DeviceId), (Instant, u32)>,
    targets: HashMap<DeviceId, (Instant, u32)>,
}

/// What the limiter allows for one hand-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allowance {
    /// Over the requester's or the pair's rate: refuse.
    Refuse,
    /// Serve; include a one-time prekey only if `true`.
    Serve {
        /// Whether a one-time prekey (and a one-time KEM prekey) may go out.
        one_time: bool,
    },
}

/// Counts within a window that restarts once it has passed.
fn windowed(slot: &mut (Instant, u32), window: Duration, now: Instant) -> &mut u32 {
    if now.duration_since(slot.0) >= window {
        *slot = (now, 0);
    }
    &mut slot.1
}

impl RateLimiter {
    pub(crate) fn check(
        &mut self,
        limits: &HandoutLimits,
        requester: &DeviceId,
        target: &DeviceId,
        now: Instant,
    ) -> Allowance {
        let rate = f64::from(limits.per_hour) / 3600.0;
        let full = f64::from(limits.burst);
        if self.buckets.len() > SWEEP_AT || self.pairs.len() > SWEEP_AT || self.targets.len() > SWEEP_AT {
            self.pairs.retain(|_, (start, _)| now.duration_since(*start) < limits.pair_window);
            self.targets.retain(|_, (start, _)| now.duration_since(*start) < limits.target_window);
            self.buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < full);
        }
        let b = self.buckets.entry(*requester).or_insert(Bucket { tokens: full, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(full);
        b.at = now;
        let pair = self.pairs.entry((*requester, *target)).or_insert((now, 0));
        let pair_count = windowed(pair, limits.pair_window, now);
        if b.tokens < 1.0 || *pair_count >= limits.pair_fetches {
            return Allowance::Refuse;
        }
        b.tokens -= 1.0;
        *pair_count += 1;
        let t = self.targets.entry(*target).or_insert((now, 0));
        let handed = windowed(t, limits.target_window, now);
        if *handed >= limits.target_one_time {
            return Allowance::Serve { one_time: false };
        }
        *handed += 1;
        Allowance::Serve { one_time: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: HandoutLimits = HandoutLimits {
        burst: 4,
        per_hour: 3600,
        pair_fetches: 3,
        pair_window: Duration::from_secs(86_400),
        target_one_time: 2,
        target_window: Duration::from_secs(3600),
    };

    #[test]
    fn pair_requester_and_target_limits() {
        let mut r = RateLimiter::default();
        let t0 = Instant::now();
        let (a, b, t, u) = ([1; 32], [2; 32], [3; 32], [4; 32]);
        let serve = |one_time| Allowance::Serve { one_time };
        // a → t: two one-time keys (the target's cap), a third fetch without, then the pair cap.
        let got: Vec<_> = (0..4).map(|_| r.check(&L, &a, &t, t0)).collect();
        assert_eq!(got, [serve(true), serve(true), serve(false), Allowance::Refuse]);
        // b → t: served, but the target's one-time cap holds for everyone.
        assert_eq!(r.check(&L, &b, &t, t0), serve(false));
        // a → u: a has one token left of its burst of 4.
        assert_eq!(r.check(&L, &a, &u, t0), serve(true));
        assert_eq!(r.check(&L, &a, &u, t0), Allowance::Refuse);
        // One token a second at 3,600 an hour.
        assert_eq!(r.check(&L, &a, &u, t0 + Duration::from_millis(1_100)), serve(true));
        assert_eq!(r.check(&L, &a, &u, t0 + Duration::from_millis(1_200)), Allowance::Refuse);
        // The target window restarts.
        assert_eq!(r.check(&L, &b, &t, t0 + Duration::from_secs(3_700)), serve(true));
    }
}
