//! Language tags and region codes (SPEC.md §18.1): a small strict subset of
//! BCP 47 in canonical case, so equal tags are equal bytes.
//!
//! ```text
//! tag      = language ["-" script] ["-" region] *2("-" variant)   (<= 35 bytes)
//! language = 2*3 lowercase letters                  ru, tt, ba, ce, sah
//! script   = 1 uppercase + 3 lowercase letters      Cyrl, Latn
//! region   = 2 uppercase letters / 3 digits         RU, 419
//! variant  = 5*8 lowercase alphanumerics / digit + 3 lowercase alphanumerics
//! ```
//!
//! Matching (RFC 4647 basic filtering): a user's tag `tt` matches `tt`,
//! `tt-Cyrl` and `tt-Latn-RU`, never `tg` or `ttt`.

use super::error::ChannelError;
use super::limits::{MAX_CONTENT_TYPE_LEN, MAX_LANGUAGE_TAG_LEN};
use core::fmt;

/// A language tag in the accepted subset of BCP 47 (`ru`, `tt`, `ba`, `ce`,
/// `sah`, `tt-Cyrl`, ...).
///
/// ```
/// use vestnik::channel::LanguageTag;
/// let tt = LanguageTag::parse("tt-Cyrl")?;
/// assert!(LanguageTag::parse("tt")?.matches(&tt));
/// assert!(LanguageTag::parse("TT").is_err()); // canonical case only
/// # Ok::<(), vestnik::channel::ChannelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageTag(String);

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(f)
}

fn is_variant(s: &str) -> bool {
    let lower_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match s.len() {
        5..=8 => all(s, lower_alnum),
        4 => s.as_bytes().first().is_some_and(u8::is_ascii_digit) && all(s, lower_alnum),
        _ => false,
    }
}

fn is_script(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 4 && b.first().is_some_and(u8::is_ascii_uppercase) && b.iter().skip(1).all(u8::is_ascii_lowercase)
}

fn is_region_subtag(s: &str) -> bool {
    (s.len() == 2 && all(s, |b| b.is_ascii_uppercase())) || (s.len() == 3 && all(s, |b| b.is_ascii_digit()))
}

impl LanguageTag {
    /// Parses a tag, refusing anything outside the subset (wrong case included).
    pub fn parse(tag: &str) -> Result<Self, ChannelError> {
        if Self::is_valid(tag) { Ok(Self(tag.to_owned())) } else { Err(ChannelError::Language(tag.to_owned())) }
    }

    fn is_valid(tag: &str) -> bool {
        if tag.is_empty() || tag.len() > MAX_LANGUAGE_TAG_LEN {
            return false;
        }
        let mut parts = tag.split('-').peekable();
        let Some(lang) = parts.next() else { return false };
        if !(2..=3).contains(&lang.len()) || !all(lang, |b| b.is_ascii_lowercase()) {
            return false;
        }
        if parts.peek().is_some_and(|p| is_script(p)) {
            parts.next();
        }
        if parts.peek().is_some_and(|p| is_region_subtag(p)) {
            parts.next();
        }
        let variants: Vec<&str> = parts.collect();
        variants.len() <= 2
            && variants.iter().all(|v| is_variant(v))
            && !matches!(variants.as_slice(), [a, b] if a == b)
    }

    /// The tag's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self`, as a user's language range, matches `tag`: equal,
    /// or a prefix of it ending at a subtag boundary.
    pub fn matches(&self, tag: &LanguageTag) -> bool {
        tag.0 == self.0 || (tag.0.starts_with(&self.0) && tag.0.as_bytes().get(self.0.len()) == Some(&b'-'))
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A region a catalogue serves: ISO 3166-1 alpha-2 (`RU`) or ISO 3166-2
/// (`RU-TA` Tatarstan, `RU-BA` Bashkortostan, `RU-CE` Chechnya, `RU-SA` Yakutia).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(String);

impl Region {
    /// Parses a region code (`[A-Z]{2}` or `[A-Z]{2}-[A-Z0-9]{1,3}`).
    pub fn parse(code: &str) -> Result<Self, ChannelError> {
        let b = code.as_bytes();
        let country = b.get(..2).is_some_and(|c| c.iter().all(u8::is_ascii_uppercase));
        let ok = country
            && match b.get(2..) {
                Some([]) => true,
                Some([b'-', rest @ ..]) => {
                    (1..=3).contains(&rest.len()) && rest.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                }
                _ => false,
            };
        if ok { Ok(Self(code.to_owned())) } else { Err(ChannelError::Region(code.to_owned())) }
    }

    /// The code's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A media type: 1..=127 printable ASCII bytes (space included) containing `/`.
pub(crate) fn check_content_type(t: &str) -> Result<(), ChannelError> {
    let ok =
        !t.is_empty() && t.len() <= MAX_CONTENT_TYPE_LEN && t.contains('/') && all(t, |b| (0x20..=0x7e).contains(&b));
    if ok { Ok(()) } else { Err(ChannelError::ContentType) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_republics_languages_parse_and_match() {
        for t in ["ru", "tt", "ba", "ce", "sah", "tt-Cyrl", "tt-Latn-RU", "ru-RU", "es-419", "sah-Cyrl-RU-1994a"] {
            assert!(LanguageTag::parse(t).is_ok(), "{t}");
        }
        for t in [
            "",
            "r",
            "russ",
            "RU",
            "Tt",
            "tt-cyrl",
            "tt-CYRL",
            "tt-ru",
            "tt-",
            "-tt",
            "tt--RU",
            "tt_RU",
            "tt-Cyrl-Latn",
            "tt-x-private",
            "tt-RU-abcdefghi",
            "tt-abcde-abcde",
            "tt-a-b",
            "ру",
            "tt-1ab",
        ] {
            assert!(LanguageTag::parse(t).is_err(), "{t}");
        }
        // The longest tag of the grammar (29 bytes) is within the byte cap,
        // and one more variant is refused by the grammar.
        let longest = "sah-Cyrl-RU-abcdefgh-bcdefghi";
        assert!(longest.len() <= MAX_LANGUAGE_TAG_LEN);
        assert!(LanguageTag::parse(longest).is_ok());
        assert!(LanguageTag::parse("sah-Cyrl-RU-abcdefgh-bcdefghi-cdefghij").is_err());
        let tt = LanguageTag::parse("tt").unwrap();
        assert!(tt.matches(&LanguageTag::parse("tt-Cyrl").unwrap()));
        assert!(tt.matches(&tt));
        assert!(!tt.matches(&LanguageTag::parse("ttt").unwrap()));
        assert!(!LanguageTag::parse("tt-Cyrl").unwrap().matches(&tt));
    }

    #[test]
    fn region_codes() {
        for r in ["RU", "RU-TA", "RU-BA", "RU-CE", "RU-SA", "RU-MOW"] {
            assert!(Region::parse(r).is_ok(), "{r}");
        }
        for r in ["", "R", "ru", "RU-", "RU-TATA", "RUS", "RU_TA", "RU-ta"] {
            assert!(Region::parse(r).is_err(), "{r}");
        }
    }
}
