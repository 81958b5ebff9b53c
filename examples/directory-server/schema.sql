-- The vestnik reference directory's schema (examples/directory-server).
--
-- Written in the common subset of SQLite and PostgreSQL: BIGINT, INTEGER,
-- composite primary keys, UPDATE ... RETURNING. The one difference is the
-- byte-string type, spelt BLOB here; on PostgreSQL run first
--     CREATE DOMAIN BLOB AS BYTEA;
-- and this file then runs unchanged (see README.md, "PostgreSQL").
--
-- Every key column holds the crate's own bytes; nothing here is secret. A
-- device is named by its 32-byte Ed25519 identity signing key.

CREATE TABLE IF NOT EXISTS devices (
    device_id      BLOB    NOT NULL PRIMARY KEY, -- 32 bytes: IdentityPublic::signing_key
    identity       BLOB    NOT NULL,             -- 128 bytes: IdentityPublic::to_fixed_bytes
    token_hash     BLOB    NOT NULL,             -- SHA-256 of the bearer token issued at registration
    registered_at  BIGINT  NOT NULL,             -- unix seconds
    mailbox_seq    BIGINT  NOT NULL              -- last sequence number given to a deposit
);

-- The current signed prekey: one row per device, replaced on rotation.
CREATE TABLE IF NOT EXISTS signed_prekeys (
    device_id    BLOB    NOT NULL PRIMARY KEY REFERENCES devices (device_id),
    key_id       BIGINT  NOT NULL,
    stored       BLOB    NOT NULL,   -- SignedPreKeyPublic::to_stored_bytes
    uploaded_at  BIGINT  NOT NULL
);

-- One-time X25519 prekeys not yet handed out.
CREATE TABLE IF NOT EXISTS one_time_prekeys (
    device_id    BLOB    NOT NULL REFERENCES devices (device_id),
    key_id       BIGINT  NOT NULL,
    stored       BLOB    NOT NULL,   -- OneTimePreKeyPublic::to_stored_bytes (36 bytes)
    uploaded_at  BIGINT  NOT NULL,
    PRIMARY KEY (device_id, key_id)
);

-- ML-KEM-768 prekeys: one-time ones (last_resort = 0) are deleted when handed
-- out; the last-resort one (last_resort = 1, at most one per device) stays.
CREATE TABLE IF NOT EXISTS kem_prekeys (
    device_id    BLOB     NOT NULL REFERENCES devices (device_id),
    key_id       BIGINT   NOT NULL,
    last_resort  SMALLINT NOT NULL,
    stored       BLOB     NOT NULL,  -- KemPreKeyPublic::to_stored_bytes
    uploaded_at  BIGINT   NOT NULL,
    PRIMARY KEY (device_id, key_id)
);

-- What was handed out and not yet reported to the device (kind 1: one-time
-- X25519 prekey, kind 2: one-time KEM prekey).
CREATE TABLE IF NOT EXISTS handed_out (
    device_id    BLOB     NOT NULL REFERENCES devices (device_id),
    kind         SMALLINT NOT NULL,
    key_id       BIGINT   NOT NULL,
    handed_at    BIGINT   NOT NULL,
    PRIMARY KEY (device_id, kind, key_id)
);

-- MLS KeyPackages (the crate's MLS_KEY_PACKAGE envelope), each handed out once.
CREATE TABLE IF NOT EXISTS key_packages (
    device_id    BLOB    NOT NULL REFERENCES devices (device_id),
    digest       BLOB    NOT NULL,   -- SHA-256 of the envelope: a re-upload is a duplicate
    envelope     BLOB    NOT NULL,
    uploaded_at  BIGINT  NOT NULL,
    PRIMARY KEY (device_id, digest)
);

-- The latest signed device list (DEVICE_LIST) an account member uploaded.
CREATE TABLE IF NOT EXISTS device_lists (
    device_id    BLOB    NOT NULL PRIMARY KEY REFERENCES devices (device_id),
    list         BLOB    NOT NULL,
    uploaded_at  BIGINT  NOT NULL
);

-- Mailboxes: opaque ciphertexts per recipient device, in deposit order.
CREATE TABLE IF NOT EXISTS messages (
    recipient     BLOB    NOT NULL REFERENCES devices (device_id),
    seq           BIGINT  NOT NULL,  -- from devices.mailbox_seq, per recipient
    sender        BLOB    NOT NULL,  -- the depositing device (authenticated by its token)
    body          BLOB    NOT NULL,
    deposited_at  BIGINT  NOT NULL,
    PRIMARY KEY (recipient, seq)
);
