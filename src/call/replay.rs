//! The replay and reorder window of one KID (SPEC.md §13.6).
//!
//! Remembers the highest counter that decrypted and, for the `W` counters
//! ending there, which ones did. A counter above the highest is new; one of
//! the last `W` is new unless its bit is set (then it is a duplicate); one
//! further back is refused as too old, since the window no longer knows
//! whether it was seen. The bits form a ring indexed by `ctr mod W`, so
//! accepting the next frame clears one bit, not the whole window.

/// Why a counter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplayVerdict {
    /// This counter already decrypted under this KID.
    Duplicate,
    /// This counter is `W` or more behind the highest one seen.
    TooOld,
}

/// A sliding window of `W` counters (`W` a multiple of 64).
pub(crate) struct ReplayWindow {
    highest: Option<u64>,
    bits: Box<[u64]>,
    size: u64,
}

impl ReplayWindow {
    /// A window of `size` counters, rounded up to a multiple of 64 (at least 64).
    pub(crate) fn new(size: usize) -> Self {
        let words = size.div_ceil(64).max(1);
        Self { highest: None, bits: vec![0u64; words].into_boxed_slice(), size: (words as u64) * 64 }
    }

    /// The window size `W`.
    #[cfg(test)]
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    fn slot(&self, ctr: u64) -> (usize, u64) {
        let i = ctr % self.size;
        // i < size, and size came from a usize word count times 64.
        ((i / 64) as usize, 1u64 << (i % 64))
    }

    fn is_set(&self, ctr: u64) -> bool {
        let (w, mask) = self.slot(ctr);
        self.bits.get(w).is_some_and(|x| x & mask != 0)
    }

    fn set(&mut self, ctr: u64, on: bool) {
        let (w, mask) = self.slot(ctr);
        if let Some(x) = self.bits.get_mut(w) {
            if on {
                *x |= mask;
            } else {
                *x &= !mask;
            }
        }
    }

    /// Whether `ctr` may be accepted. Changes nothing.
    pub(crate) fn check(&self, ctr: u64) -> Result<(), ReplayVerdict> {
        let Some(h) = self.highest else { return Ok(()) };
        if ctr > h {
            return Ok(());
        }
        if h - ctr >= self.size {
            return Err(ReplayVerdict::TooOld);
        }
        if self.is_set(ctr) { Err(ReplayVerdict::Duplicate) } else { Ok(()) }
    }

    /// Records `ctr` after its frame authenticated. Call only after `check`.
    pub(crate) fn accept(&mut self, ctr: u64) {
        match self.highest {
            Some(h) if ctr <= h => self.set(ctr, true),
            Some(h) if ctr - h < self.size => {
                // Forget the counters the window slides past, one bit each.
                let mut c = h;
                while c < ctr {
                    c += 1;
                    self.set(c, false);
                }
                self.set(ctr, true);
                self.highest = Some(ctr);
            }
            _ => {
                self.bits.iter_mut().for_each(|w| *w = 0);
                self.set(ctr, true);
                self.highest = Some(ctr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_reorder_and_window_edge() {
        let mut w = ReplayWindow::new(100);
        assert_eq!(w.size(), 128, "rounded up to whole words");
        for c in [5u64, 3, 4, 0] {
            assert_eq!(w.check(c), Ok(()));
            w.accept(c);
            assert_eq!(w.check(c), Err(ReplayVerdict::Duplicate));
        }
        assert_eq!(w.check(1), Ok(()), "reordered but unseen");
        w.accept(1000);
        // Exactly W - 1 behind: inside the window. W behind: too old.
        assert_eq!(w.check(1000 - 127), Ok(()));
        assert_eq!(w.check(1000 - 128), Err(ReplayVerdict::TooOld));
        assert_eq!(w.check(5), Err(ReplayVerdict::TooOld));
        // Sliding by one clears the slot the new counter reuses.
        w.accept(1000 - 127);
        w.accept(1001);
        assert_eq!(w.check(1001 - 128), Err(ReplayVerdict::TooOld));
        assert_eq!(w.check(1000), Err(ReplayVerdict::Duplicate));
        assert_eq!(w.check(999), Ok(()));
    }

    #[test]
    fn extreme_counters_do_not_wrap() {
        let mut w = ReplayWindow::new(64);
        w.accept(u64::MAX);
        assert_eq!(w.check(u64::MAX), Err(ReplayVerdict::Duplicate));
        assert_eq!(w.check(u64::MAX - 63), Ok(()));
        assert_eq!(w.check(0), Err(ReplayVerdict::TooOld));
        let mut w = ReplayWindow::new(64);
        w.accept(0);
        w.accept(63);
        assert_eq!(w.check(0), Err(ReplayVerdict::Duplicate));
        w.accept(64);
        assert_eq!(w.check(0), Err(ReplayVerdict::TooOld));
        assert_eq!(w.check(63), Err(ReplayVerdict::Duplicate));
    }
}
