//! Call media encryption: SFrame (RFC 9605) with per-sender keys delivered
//! over 1:1 sessions (SPEC.md §13).
//!
//! Each participant protects its audio and video frames under its own SFrame
//! key; a forwarding server (SFU) sees only the header (KID and counter) and
//! any metadata the app leaves in the clear. Base keys travel as
//! [`crate::ContentType::CallKey`] payloads inside the authenticated 1:1
//! sessions, so a key is only installed for the device that sent it.
//!
//! ```text
//! frame   = header(KID, CTR) || AEAD.Encrypt(key[KID], salt[KID] XOR CTR, header || metadata, payload)
//! KID     = generation (16 bits) || ratchet step (6) || participant index (10)
//! join    -> every sender ratchets its base key one step (RFC 9605 §5.1)
//! leave   -> every sender draws a fresh base key (next generation)
//! ```
//!
//! Layers, top to bottom: [`Call`] (roster, join/leave, key messages) →
//! [`SenderContext`] / [`ReceiverContext`] (protect, unprotect, replay
//! windows, key overlap) → the key schedule, header codec and suites.
//!
//! | file | concept |
//! |---|---|
//! | `header.rs` | the SFrame header codec |
//! | `suite.rs` | cipher suites |
//! | `key.rs` | RFC 9605 key schedule, ratchet, the per-KID AEAD key |
//! | `kid.rs` | vestnik's KID layout |
//! | `replay.rs` | the replay window of one KID |
//! | `sender.rs`, `receiver.rs` | protect and unprotect |
//! | `message.rs` | `CallKeyMessage` |
//! | `lifecycle.rs` | a participant's view of a call |

mod error;
mod header;
mod key;
mod kid;
mod lifecycle;
mod message;
mod receiver;
mod replay;
mod sender;
mod suite;

#[cfg(test)]
mod tests;

pub use error::CallError;
pub use header::{MAX_HEADER_LEN, SFrameHeader};
pub use key::{SFRAME_KEY_LABEL, SFRAME_RATCHET_LABEL, SFRAME_SALT_LABEL};
pub use kid::{GENERATION_BITS, INDEX_BITS, KeyId, MAX_GENERATION, MAX_PARTICIPANT_INDEX, MAX_RATCHET_STEP, STEP_BITS};
pub use lifecycle::{Call, CallKeyDelivery};
pub use message::{CALL_ID_LEN, CallId, ROSTER_HASH_LEN};
pub use receiver::{FrameInfo, ReceiverContext};
pub use sender::{MAX_OVERHEAD, SenderContext};
pub use suite::{CipherSuite, NONCE_LEN, TAG_LEN};

pub(crate) use key::{BaseKey, FrameKey, raw_frame_key};
