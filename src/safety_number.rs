//! Safety numbers (SPEC.md §9): what two people compare, aloud or by scanning
//! a code, to verify that their devices talk to each other with no one in
//! between.
//!
//! ```text
//! fp(key) = first 32 bytes of H^5200, where H^0 = SHA-512(label || version || key)
//!                                          H^i = SHA-512(H^(i-1) || key)
//! digits(fp) = six groups of five digits: each 5-byte big-endian chunk of fp[0..30] mod 100000
//! display    = the two parties' 30 digits, the smaller string first (so both see the same 60 digits)
//! scannable  = version (1 byte) || fp(own key) || fp(other key)
//! ```
//! The iteration count makes a targeted second preimage cost 5200 hashes per
//! guess on top of the 2^100 the 30 digits need.

use crate::identity::IdentityPublic;
use crate::labels;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

/// Version of the safety number format (in the hash input and the scannable form).
pub const SAFETY_NUMBER_VERSION: u8 = 1;
/// Hash iterations.
pub const ITERATIONS: usize = 5200;
/// Length of the scannable form.
pub const SCANNABLE_LEN: usize = 65;
/// First byte of the scannable form of an account safety number (SPEC.md
/// §9): a device code (`0x01`) never verifies as an account code.
pub const ACCOUNT_SCANNABLE_VERSION: u8 = 0x02;

/// Why a scanned code did not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SafetyNumberError {
    /// The code is not a vestnik safety number of a known version.
    #[error("not a safety number code of version 1")]
    Format,
    /// The code is for other keys: do not trust this conversation.
    #[error("safety numbers do not match")]
    Mismatch,
}

/// The safety number of a conversation between two identities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyNumber {
    version: u8,
    local_fp: [u8; 32],
    remote_fp: [u8; 32],
    display: String,
}

fn fingerprint(key: &IdentityPublic) -> [u8; 32] {
    fingerprint_of(labels::HASH_SAFETY_NUMBER, key.signing_key().as_bytes())
}

fn fingerprint_of(label: &str, k: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha512::new();
    h.update(label.as_bytes());
    h.update([SAFETY_NUMBER_VERSION]);
    h.update(k);
    let mut d = h.finalize();
    for _ in 1..ITERATIONS {
        let mut h = Sha512::new();
        h.update(d);
        h.update(k);
        d = h.finalize();
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(d.get(..32).unwrap_or(&[0u8; 32]));
    out
}

fn digits(fp: &[u8; 32]) -> String {
    let mut s = String::with_capacity(30);
    for chunk in fp.chunks_exact(5).take(6) {
        let v = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        s.push_str(&format!("{:05}", v % 100_000));
    }
    s
}

impl SafetyNumber {
    /// The safety number between this device's identity and the peer's.
    /// Both sides get the same [`SafetyNumber::display`].
    ///
    /// ```
    /// use vestnik::{DeviceIdentity, safety_number::SafetyNumber};
    /// let mut rng = rand::rng();
    /// let (a, b) = (DeviceIdentity::generate(&mut rng).public(), DeviceIdentity::generate(&mut rng).public());
    /// let at_a = SafetyNumber::new(&a, &b);
    /// let at_b = SafetyNumber::new(&b, &a);
    /// assert_eq!(at_a.display(), at_b.display());
    /// assert!(at_b.verify_scanned(&at_a.scannable()).is_ok());
    /// ```
    pub fn new(local: &IdentityPublic, remote: &IdentityPublic) -> Self {
        Self::from_fingerprints(SAFETY_NUMBER_VERSION, fingerprint(local), fingerprint(remote))
    }

    /// The safety number between two *accounts* (SPEC.md §9, §16.6): from
    /// the account keys alone, so it stays the same when either person adds
    /// or removes a device. Same digits and scannable layout as a device
    /// number, under its own hash label and scannable version
    /// ([`ACCOUNT_SCANNABLE_VERSION`]).
    ///
    /// ```
    /// use vestnik::{DeviceIdentity, account::AccountKey, safety_number::SafetyNumber};
    /// let mut rng = rand::rng();
    /// let (alice, _) = AccountKey::create(&DeviceIdentity::generate(&mut rng).public(), 0, &mut rng)?;
    /// let (bob, _) = AccountKey::create(&DeviceIdentity::generate(&mut rng).public(), 0, &mut rng)?;
    /// let at_alice = SafetyNumber::for_accounts(&alice.public(), &bob.public());
    /// let at_bob = SafetyNumber::for_accounts(&bob.public(), &alice.public());
    /// assert_eq!(at_alice.display(), at_bob.display());
    /// assert!(at_bob.verify_scanned(&at_alice.scannable()).is_ok());
    /// # Ok::<(), vestnik::account::AccountError>(())
    /// ```
    pub fn for_accounts(local: &crate::account::AccountPublic, remote: &crate::account::AccountPublic) -> Self {
        let label = labels::HASH_ACCOUNT_SAFETY_NUMBER;
        Self::from_fingerprints(
            ACCOUNT_SCANNABLE_VERSION,
            fingerprint_of(label, local.as_bytes()),
            fingerprint_of(label, remote.as_bytes()),
        )
    }

    fn from_fingerprints(version: u8, local_fp: [u8; 32], remote_fp: [u8; 32]) -> Self {
        let (a, b) = (digits(&local_fp), digits(&remote_fp));
        let display = if a <= b { a + &b } else { b + &a };
        Self { version, local_fp, remote_fp, display }
    }

    /// 60 digits, to read aloud in twelve groups of five.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The display digits grouped for humans: `12345 67890 ...`.
    pub fn display_grouped(&self) -> String {
        let chars: Vec<char> = self.display.chars().collect();
        chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
    }

    /// The bytes to show as a QR code.
    pub fn scannable(&self) -> [u8; SCANNABLE_LEN] {
        let mut out = [0u8; SCANNABLE_LEN];
        let (v, rest) = out.split_at_mut(1);
        let (a, b) = rest.split_at_mut(32);
        v.copy_from_slice(&[self.version]);
        a.copy_from_slice(&self.local_fp);
        b.copy_from_slice(&self.remote_fp);
        out
    }

    /// Checks the code scanned from the peer's screen: it must carry the
    /// peer's fingerprint first and ours second. Constant-time comparison.
    pub fn verify_scanned(&self, scanned: &[u8]) -> Result<(), SafetyNumberError> {
        let (v, rest) = scanned.split_first().ok_or(SafetyNumberError::Format)?;
        if *v != self.version || rest.len() != 64 {
            return Err(SafetyNumberError::Format);
        }
        let (their_own, their_other) = rest.split_at(32);
        let ok = their_own.ct_eq(&self.remote_fp) & their_other.ct_eq(&self.local_fp);
        if bool::from(ok) { Ok(()) } else { Err(SafetyNumberError::Mismatch) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DeviceIdentity;

    #[test]
    fn symmetric_and_key_sensitive() {
        let mut rng = rand::rng();
        let a = DeviceIdentity::generate(&mut rng).public();
        let b = DeviceIdentity::generate(&mut rng).public();
        let c = DeviceIdentity::generate(&mut rng).public();
        let ab = SafetyNumber::new(&a, &b);
        let ba = SafetyNumber::new(&b, &a);
        assert_eq!(ab.display(), ba.display());
        assert_eq!(ab.display().len(), 60);
        assert!(ab.display().chars().all(|c| c.is_ascii_digit()));
        assert_eq!(ab.display_grouped().len(), 71);
        assert_ne!(ab.display(), SafetyNumber::new(&a, &c).display());
        assert_eq!(ba.verify_scanned(&ab.scannable()), Ok(()));
        // Scanning your own code, or a code for a third party, fails.
        assert_eq!(ab.verify_scanned(&ab.scannable()), Err(SafetyNumberError::Mismatch));
        assert_eq!(ba.verify_scanned(&SafetyNumber::new(&a, &c).scannable()), Err(SafetyNumberError::Mismatch));
        let mut v2 = ab.scannable();
        v2[0] = 2;
        assert_eq!(ba.verify_scanned(&v2), Err(SafetyNumberError::Format));
        assert_eq!(ba.verify_scanned(&v2[..64]), Err(SafetyNumberError::Format));
    }

    #[test]
    fn known_answer_digits() {
        // digits() of a fixed fingerprint: 5-byte chunks mod 100000.
        let fp = [0xffu8; 32];
        // 0xffffffffff = 1099511627775 -> 27775
        assert_eq!(digits(&fp), "277752777527775277752777527775");
    }
}
