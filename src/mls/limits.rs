//! Limits of the MLS module (SPEC.md §15.10): each a named constant with
//! the reason for its value, gathered in [`MlsLimits`] (configurable,
//! `Default` gives these). Every size cap is checked on the vestnik envelope
//! before the MLS decoder sees a byte.

/// Members of one MLS group: a whole school, a college, a district's
/// teachers (the issue's 10,000-device school).
pub const MLS_MAX_MEMBERS: usize = 10_000;

/// Largest encoded KeyPackage (the `MLSMessage` inside the envelope). Ours
/// are about 600 bytes: the leaf credential (about 260), two X25519 keys,
/// capabilities, lifetime and a signature; 4 KiB leaves room for other
/// extensions while a server can store millions.
pub const MLS_MAX_KEY_PACKAGE_LEN: usize = 4 * 1024;

/// Largest application plaintext, the 1:1 plaintext limit (SPEC.md §7).
pub const MLS_MAX_PLAINTEXT_LEN: usize = crate::limits::MAX_PLAINTEXT_LEN;

/// Framing overhead of a PrivateMessage beyond the padded content: group
/// id, epoch, sender data, the signature inside, the AEAD tags.
pub const MLS_MESSAGE_OVERHEAD: usize = 1024;

/// Largest GroupInfo without the tree: group context, extensions,
/// confirmation tag, signature.
pub const MLS_MAX_GROUP_INFO_LEN: usize = 64 * 1024;

/// Bytes of ratchet tree budgeted per member (a leaf of about 600 bytes and
/// its share of parent nodes): the tree cap is this times the member limit.
pub const MLS_TREE_BYTES_PER_MEMBER: usize = 2 * 1024;

/// Bytes of Welcome budgeted per added member (its encrypted group secrets,
/// about 150 bytes).
pub const MLS_WELCOME_BYTES_PER_MEMBER: usize = 512;

/// KeyPackages whose secrets a device keeps (uploaded and not yet used).
/// Servers hand out one per joining group; a device tops up to a few dozen.
pub const MLS_MAX_STORED_KEY_PACKAGES: usize = 256;

/// Prior epochs a member keeps, so application messages sent just before a
/// commit still decrypt after it. Each costs one list of member signature
/// keys; older epochs are deleted (forward secrecy across epochs).
pub const MLS_MAX_PRIOR_EPOCHS: usize = 2;

/// Largest forward jump of one sender's generation within an epoch: fixed by
/// mls-rs (`MAX_RATCHET_BACK_HISTORY`), listed here so the value is stated.
pub const MLS_MAX_FORWARD_JUMP: u32 = 1024;

/// Imported member signature keys a group keeps ready (SPEC.md §15.11):
/// importing a key (decompression, the small-order and torsion checks of
/// SPEC.md §2.2) costs as much as verifying a signature, and every message
/// from the same sender would repeat it. A cache of public values only, no
/// secret; a key that is not cached is imported again under the same rule.
/// 512 keys hold the active senders of a school chat in about 100 KiB.
pub const MLS_VERIFIED_KEY_CACHE: usize = 512;

/// Largest serialized group state: the sealed-state cap (SPEC.md §8).
pub const MLS_MAX_STATE_LEN: usize = crate::limits::MAX_STATE_LEN;

/// Longest group id (as sender-key groups, SPEC.md §12).
pub const MLS_GROUP_ID_MAX_LEN: usize = 64;

/// Default KeyPackage lifetime: 90 days, the usual rotation of signed
/// prekeys (seconds).
pub const MLS_KEY_PACKAGE_LIFETIME_SECS: u64 = 90 * 24 * 3600;

/// The limits every MLS decoder and group enforces. `Default` gives the
/// constants of this module; the size caps of commits, Welcomes and trees
/// scale with `max_members`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MlsLimits {
    /// See [`MLS_MAX_MEMBERS`].
    pub max_members: usize,
    /// See [`MLS_MAX_KEY_PACKAGE_LEN`].
    pub max_key_package_len: usize,
    /// See [`MLS_MAX_PLAINTEXT_LEN`].
    pub max_plaintext_len: usize,
    /// See [`MLS_MAX_GROUP_INFO_LEN`].
    pub max_group_info_len: usize,
    /// See [`MLS_MAX_STORED_KEY_PACKAGES`].
    pub max_stored_key_packages: usize,
    /// See [`MLS_MAX_PRIOR_EPOCHS`].
    pub max_prior_epochs: usize,
    /// See [`MLS_MAX_STATE_LEN`].
    pub max_state_len: usize,
    /// See [`MLS_VERIFIED_KEY_CACHE`] (0 turns the cache off).
    pub verified_key_cache: usize,
}

impl Default for MlsLimits {
    fn default() -> Self {
        Self {
            max_members: MLS_MAX_MEMBERS,
            max_key_package_len: MLS_MAX_KEY_PACKAGE_LEN,
            max_plaintext_len: MLS_MAX_PLAINTEXT_LEN,
            max_group_info_len: MLS_MAX_GROUP_INFO_LEN,
            max_stored_key_packages: MLS_MAX_STORED_KEY_PACKAGES,
            max_prior_epochs: MLS_MAX_PRIOR_EPOCHS,
            max_state_len: MLS_MAX_STATE_LEN,
            verified_key_cache: MLS_VERIFIED_KEY_CACHE,
        }
    }
}

impl MlsLimits {
    /// The defaults with another member limit (the scaled caps follow).
    ///
    /// ```
    /// use vestnik::mls::MlsLimits;
    /// let small = MlsLimits::with_max_members(100);
    /// assert!(small.max_tree_len() < MlsLimits::default().max_tree_len());
    /// ```
    pub fn with_max_members(max_members: usize) -> Self {
        Self { max_members, ..Self::default() }
    }

    /// Largest application message envelope: the padded plaintext limit
    /// plus [`MLS_MESSAGE_OVERHEAD`].
    pub fn max_application_len(&self) -> usize {
        crate::padding::bucket(self.max_plaintext_len.saturating_add(2)).saturating_add(MLS_MESSAGE_OVERHEAD)
    }

    /// Largest commit or proposal: a commit may carry a KeyPackage by value
    /// for every member it adds, plus its update path.
    pub fn max_handshake_len(&self) -> usize {
        self.max_members.saturating_mul(self.max_key_package_len).saturating_add(64 * 1024)
    }

    /// Largest MLS message of any kind (the envelope cap before the kind is
    /// known).
    pub fn max_message_len(&self) -> usize {
        self.max_handshake_len().max(self.max_application_len()).saturating_add(MLS_GROUP_ID_MAX_LEN + 32)
    }

    /// Largest Welcome: [`MLS_WELCOME_BYTES_PER_MEMBER`] per member plus the
    /// encrypted GroupInfo.
    pub fn max_welcome_len(&self) -> usize {
        self.max_members.saturating_mul(MLS_WELCOME_BYTES_PER_MEMBER).saturating_add(self.max_group_info_len)
    }

    /// Largest ratchet tree: [`MLS_TREE_BYTES_PER_MEMBER`] per member.
    pub fn max_tree_len(&self) -> usize {
        self.max_members.saturating_mul(MLS_TREE_BYTES_PER_MEMBER).saturating_add(64 * 1024)
    }
}
