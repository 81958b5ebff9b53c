//! Hand-out rate limits against one-time-prekey depletion ("Prekey Pogo",
//! arXiv 2504.07323; SPEC.md §17): per requester, a token bucket on bundle
//! hand-outs (over it: HTTP 429); per (requester, target) pair, a cap on how
//! many one-time prekeys one requester may take from one target per window
//! (over it the bundle is still served, with the signed prekey and the
//! last-resort KEM prekey only, so a depleter burns nothing of the target's).
//! In memory: a restart forgets it, which only ever lets a requester start over.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::store::DeviceId;

/// Entries kept before old ones are swept.
const SWEEP_AT: usize = 100_000;

/// The limits (see [`crate::ServerLimits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandoutLimits {
    /// Bundle hand-outs a requester may burst.
    pub burst: u32,
    /// Hand-outs a requester regains per minute.
    pub per_minute: u32,
    /// One-time prekeys one requester may take from one target per window.
    pub one_time_per_pair: u32,
    /// The per-pair window.
    pub pair_window: Duration,
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
}

/// What the limiter allows for one hand-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allowance {
    /// Over the requester's rate: refuse.
    Refuse,
    /// Serve; include a one-time prekey only if `true`.
    Serve { one_time: bool },
}

impl RateLimiter {
    pub(crate) fn check(
        &mut self,
        limits: &HandoutLimits,
        requester: &DeviceId,
        target: &DeviceId,
        now: Instant,
    ) -> Allowance {
        if self.buckets.len() > SWEEP_AT || self.pairs.len() > SWEEP_AT {
            let window = limits.pair_window;
            self.pairs.retain(|_, (start, _)| now.duration_since(*start) < window);
            let full = f64::from(limits.burst);
            let rate = f64::from(limits.per_minute) / 60.0;
            self.buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < full);
        }
        let b = self.buckets.entry(*requester).or_insert(Bucket { tokens: f64::from(limits.burst), at: now });
        let rate = f64::from(limits.per_minute) / 60.0;
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(f64::from(limits.burst));
        b.at = now;
        if b.tokens < 1.0 {
            return Allowance::Refuse;
        }
        b.tokens -= 1.0;
        let pair = self.pairs.entry((*requester, *target)).or_insert((now, 0));
        if now.duration_since(pair.0) >= limits.pair_window {
            *pair = (now, 0);
        }
        if pair.1 >= limits.one_time_per_pair {
            return Allowance::Serve { one_time: false };
        }
        pair.1 += 1;
        Allowance::Serve { one_time: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: HandoutLimits =
        HandoutLimits { burst: 3, per_minute: 60, one_time_per_pair: 2, pair_window: Duration::from_secs(3600) };

    #[test]
    fn a_requester_is_refused_past_its_burst_and_regains_at_its_rate() {
        let mut r = RateLimiter::default();
        let t0 = Instant::now();
        let (a, t) = ([1; 32], [2; 32]);
        let got: Vec<_> = (0..4).map(|_| r.check(&L, &a, &t, t0)).collect();
        assert_eq!(
            got,
            [
                Allowance::Serve { one_time: true },
                Allowance::Serve { one_time: true },
                Allowance::Serve { one_time: false },
                Allowance::Refuse
            ]
        );
        // Another requester is not affected.
        assert_eq!(r.check(&L, &[9; 32], &t, t0), Allowance::Serve { one_time: true });
        // One token a second at 60 a minute.
        assert_eq!(r.check(&L, &a, &t, t0 + Duration::from_millis(1_100)), Allowance::Serve { one_time: false });
        assert_eq!(r.check(&L, &a, &t, t0 + Duration::from_millis(1_200)), Allowance::Refuse);
        // The pair window resets.
        assert_eq!(r.check(&L, &a, &t, t0 + Duration::from_secs(3_700)), Allowance::Serve { one_time: true });
    }
}
