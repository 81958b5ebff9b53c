//! Roles and key usages carried by certificates (SPEC.md §11.3).

use core::fmt;

/// What the subject of a certificate is. Encoded as a `uint32`; unknown
/// values are refused at decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// A private person.
    Citizen,
    /// A company, school, ministry or other legal entity.
    Organisation,
    /// A teacher acting for a school.
    Teacher,
    /// A student.
    Student,
    /// A certificate or credential issuer (a CA).
    Issuer,
    /// A timestamping authority.
    TimestampAuthority,
    /// An official acting for a public body.
    Official,
}

impl Role {
    /// The wire value.
    pub fn to_u32(self) -> u32 {
        match self {
            Role::Citizen => 1,
            Role::Organisation => 2,
            Role::Teacher => 3,
            Role::Student => 4,
            Role::Issuer => 5,
            Role::TimestampAuthority => 6,
            Role::Official => 7,
        }
    }

    /// Parses a wire value.
    pub fn from_u32(v: u32) -> Option<Self> {
        Some(match v {
            1 => Role::Citizen,
            2 => Role::Organisation,
            3 => Role::Teacher,
            4 => Role::Student,
            5 => Role::Issuer,
            6 => Role::TimestampAuthority,
            7 => Role::Official,
            _ => return None,
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Citizen => "citizen",
            Role::Organisation => "organisation",
            Role::Teacher => "teacher",
            Role::Student => "student",
            Role::Issuer => "issuer",
            Role::TimestampAuthority => "timestamp authority",
            Role::Official => "official",
        })
    }
}

/// A set of key usages: what a certified key may sign.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KeyUsage(u32);

impl KeyUsage {
    /// Signing documents in envelopes (and countersigning).
    pub const DOCUMENT_SIGNING: KeyUsage = KeyUsage(1);
    /// Issuing certificates and status lists for them (a CA key).
    pub const CERTIFICATE_ISSUING: KeyUsage = KeyUsage(2);
    /// Issuing credentials and their status lists.
    pub const CREDENTIAL_ISSUING: KeyUsage = KeyUsage(4);
    /// Signing timestamp tokens.
    pub const TIMESTAMPING: KeyUsage = KeyUsage(8);
    /// Publishing posts and tombstones in a channel (SPEC.md §18.2).
    pub const CHANNEL_PUBLISHING: KeyUsage = KeyUsage(16);
    /// Signing sponsored content as an advertiser or its agency (SPEC.md §18.4).
    pub const ADVERTISER_SIGNING: KeyUsage = KeyUsage(32);
    /// Registering ads and signing ad catalogues, for a platform (SPEC.md §18.4, §18.5).
    pub const AD_REGISTRATION: KeyUsage = KeyUsage(64);
    /// Every usage this version knows.
    pub const ALL: KeyUsage = KeyUsage(127);

    /// The empty set.
    pub const fn empty() -> Self {
        KeyUsage(0)
    }

    /// The union of two sets.
    pub const fn union(self, other: KeyUsage) -> KeyUsage {
        KeyUsage(self.0 | other.0)
    }

    /// True when every usage in `other` is in `self`.
    pub const fn contains(self, other: KeyUsage) -> bool {
        self.0 & other.0 == other.0
    }

    /// The wire value.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Parses a wire value; unknown bits are refused.
    pub fn from_bits(bits: u32) -> Option<Self> {
        (bits & !Self::ALL.0 == 0).then_some(KeyUsage(bits))
    }
}

impl core::ops::BitOr for KeyUsage {
    type Output = KeyUsage;
    fn bitor(self, rhs: KeyUsage) -> KeyUsage {
        self.union(rhs)
    }
}

impl fmt::Debug for KeyUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Self::DOCUMENT_SIGNING, "document-signing"),
            (Self::CERTIFICATE_ISSUING, "certificate-issuing"),
            (Self::CREDENTIAL_ISSUING, "credential-issuing"),
            (Self::TIMESTAMPING, "timestamping"),
            (Self::CHANNEL_PUBLISHING, "channel-publishing"),
            (Self::ADVERTISER_SIGNING, "advertiser-signing"),
            (Self::AD_REGISTRATION, "ad-registration"),
        ];
        let list: Vec<&str> = names.iter().filter(|(u, _)| self.contains(*u)).map(|(_, n)| *n).collect();
        write!(f, "KeyUsage[{}]", list.join(","))
    }
}

/// The commitment a signer expresses (after ETSI's commitment types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Commitment {
    /// The signer approves the content.
    Approved,
    /// The signer is the author of the content.
    Authored,
    /// The signer witnessed another signature.
    Witnessed,
}

impl Commitment {
    /// The wire value.
    pub fn to_u32(self) -> u32 {
        match self {
            Commitment::Approved => 1,
            Commitment::Authored => 2,
            Commitment::Witnessed => 3,
        }
    }

    /// Parses a wire value.
    pub fn from_u32(v: u32) -> Option<Self> {
        Some(match v {
            1 => Commitment::Approved,
            2 => Commitment::Authored,
            3 => Commitment::Witnessed,
            _ => return None,
        })
    }
}

impl fmt::Display for Commitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Commitment::Approved => "approved",
            Commitment::Authored => "authored",
            Commitment::Witnessed => "witnessed",
        })
    }
}
