//! 1:1 sessions (in progress).

mod received;

pub use received::{ContentType, Received};
