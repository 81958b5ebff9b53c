//! The two binary bodies that are not the crate's own wire bytes: a mailbox
//! fetch answer and a document batch. Both are plain length-prefixed records
//! (big-endian), decoded with every length checked against what is left.

/// A document batch entry's document length meaning "inline, none detached".
pub const INLINE: u32 = u32::MAX;

/// One message in a mailbox fetch answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its sequence number in the mailbox.
    pub seq: u64,
    /// The depositing device's identity signing key.
    pub sender: [u8; 32],
    /// The opaque ciphertext.
    pub body: Vec<u8>,
}

/// A body that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed body: {0}")]
pub struct FramingError(pub &'static str);

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FramingError> {
        if self.0.len() < n {
            return Err(FramingError("truncated"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u32(&mut self) -> Result<u32, FramingError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes(b.try_into().map_err(|_| FramingError("truncated"))?))
    }
    fn u64(&mut self) -> Result<u64, FramingError> {
        let b = self.take(8)?;
        Ok(u64::from_be_bytes(b.try_into().map_err(|_| FramingError("truncated"))?))
    }
}

/// Mailbox answer: `count:u32`, then per message `seq:u64 sender:[32] len:u32 body`.
pub fn encode_messages(messages: &[Message]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + messages.iter().map(|m| 44 + m.body.len()).sum::<usize>());
    out.extend_from_slice(&(messages.len() as u32).to_be_bytes());
    for m in messages {
        out.extend_from_slice(&m.seq.to_be_bytes());
        out.extend_from_slice(&m.sender);
        out.extend_from_slice(&(m.body.len() as u32).to_be_bytes());
        out.extend_from_slice(&m.body);
    }
    out
}

/// Decodes [`encode_messages`]' output (a client's side).
pub fn decode_messages(bytes: &[u8]) -> Result<Vec<Message>, FramingError> {
    let mut r = Reader(bytes);
    let n = r.u32()?;
    let mut out = Vec::new();
    for _ in 0..n {
        let seq = r.u64()?;
        let sender: [u8; 32] = r.take(32)?.try_into().map_err(|_| FramingError("truncated"))?;
        let len = r.u32()? as usize;
        let body = r.take(len)?.to_vec();
        out.push(Message { seq, sender, body });
    }
    if !r.0.is_empty() {
        return Err(FramingError("trailing bytes"));
    }
    Ok(out)
}

/// Document batch: per entry `envelope_len:u32 envelope document_len:u32 document`,
/// `document_len` = [`INLINE`] for an inline envelope (no document bytes follow).
pub fn encode_document_batch(entries: &[DocumentEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (envelope, document) in entries {
        out.extend_from_slice(&(envelope.len() as u32).to_be_bytes());
        out.extend_from_slice(envelope);
        match document {
            None => out.extend_from_slice(&INLINE.to_be_bytes()),
            Some(d) => {
                out.extend_from_slice(&(d.len() as u32).to_be_bytes());
                out.extend_from_slice(d);
            }
        }
    }
    out
}

/// One document batch entry: the envelope and its detached document, if any.
pub type DocumentEntry<'a> = (&'a [u8], Option<&'a [u8]>);

/// Splits a document batch into `(envelope, document)` slices, refusing
/// more than `max_entries` before looking further.
pub fn decode_document_batch(bytes: &[u8], max_entries: usize) -> Result<Vec<DocumentEntry<'_>>, FramingError> {
    let mut r = Reader(bytes);
    let mut out = Vec::new();
    while !r.0.is_empty() {
        if out.len() >= max_entries {
            return Err(FramingError("too many entries"));
        }
        let len = r.u32()? as usize;
        let envelope = r.take(len)?;
        let doc = match r.u32()? {
            INLINE => None,
            len => Some(r.take(len as usize)?),
        };
        out.push((envelope, doc));
    }
    if out.is_empty() {
        return Err(FramingError("empty batch"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_truncation_is_refused() {
        let m = vec![Message { seq: 7, sender: [3; 32], body: b"abc".to_vec() }];
        let b = encode_messages(&m);
        assert_eq!(decode_messages(&b), Ok(m));
        for cut in 0..b.len() {
            assert!(decode_messages(b.get(..cut).unwrap_or_default()).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn document_batch_caps_entries_before_reading_on() {
        let e: (&[u8], Option<&[u8]>) = (b"e", None);
        let b = encode_document_batch(&[e, e, e]);
        assert_eq!(decode_document_batch(&b, 3).map(|v| v.len()), Ok(3));
        assert_eq!(decode_document_batch(&b, 2), Err(FramingError("too many entries")));
        assert_eq!(decode_document_batch(&[], 2), Err(FramingError("empty batch")));
        assert_eq!(decode_document_batch(&[0, 0, 0, 5, 1], 2), Err(FramingError("truncated")));
    }
}
