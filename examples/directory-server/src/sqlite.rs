//! The embedded default [`Store`]: SQLite (bundled), one connection behind a
//! mutex, every method one `BEGIN IMMEDIATE` transaction.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::store::{
    BundleParts, DeviceId, DeviceRecord, HandedOut, Store, StoreCaps, StoreError, StoredKey, StoredMessage,
};

/// The schema, shared with PostgreSQL (see `schema.sql`).
pub const SCHEMA: &str = include_str!("../schema.sql");

/// Hand-out kinds in the `handed_out` table.
const KIND_ONE_TIME: i64 = 1;
const KIND_KEM: i64 = 2;

/// A SQLite-backed store.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    caps: StoreCaps,
}

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn uint(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn key_id(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn fixed<const N: usize>(v: Vec<u8>) -> Result<[u8; N], StoreError> {
    <[u8; N]>::try_from(v).map_err(|_| StoreError::Backend("a fixed-size column has the wrong length".into()))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies the schema.
    pub fn open(path: impl AsRef<Path>, caps: StoreCaps) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(db)?;
        Self::init(conn, caps)
    }

    /// A private in-memory database (tests, benches).
    pub fn in_memory(caps: StoreCaps) -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(db)?, caps)
    }

    fn init(conn: Connection, caps: StoreCaps) -> Result<Self, StoreError> {
        // WAL: readers do not block the writer; NORMAL sync is durable across
        // application crashes (an OS crash can lose the last transactions).
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(db)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        Ok(Self { conn: Mutex::new(conn), caps })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction half done
        // (rusqlite rolls back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every row of every table, in primary-key order, as one byte string:
    /// tests compare it before and after a refused request.
    pub fn snapshot(&self) -> Result<Vec<u8>, StoreError> {
        let conn = self.lock();
        let mut out = Vec::new();
        for (table, order) in [
            ("devices", "device_id"),
            ("signed_prekeys", "device_id"),
            ("one_time_prekeys", "device_id, key_id"),
            ("kem_prekeys", "device_id, key_id"),
            ("handed_out", "device_id, kind, key_id"),
            ("key_packages", "device_id, digest"),
            ("device_lists", "device_id"),
            ("messages", "recipient, seq"),
        ] {
            out.extend_from_slice(table.as_bytes());
            let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}")).map_err(db)?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([]).map_err(db)?;
            while let Some(row) = rows.next().map_err(db)? {
                for i in 0..columns {
                    let v: rusqlite::types::Value = row.get(i).map_err(db)?;
                    let b = format!("{v:?}");
                    out.extend_from_slice(&(b.len() as u64).to_be_bytes());
                    out.extend_from_slice(b.as_bytes());
                }
            }
        }
        Ok(out)
    }
}

fn exists(tx: &rusqlite::Transaction<'_>, device: &DeviceId) -> Result<(), StoreError> {
    let found: Option<i64> = tx
        .query_row("SELECT 1 FROM devices WHERE device_id = ?1", params![device.as_slice()], |r| r.get(0))
        .optional()
        .map_err(db)?;
    found.map(|_| ()).ok_or(StoreError::UnknownDevice)
}

fn count(tx: &rusqlite::Transaction<'_>, sql: &str, device: &DeviceId) -> Result<usize, StoreError> {
    let n: i64 = tx.query_row(sql, params![device.as_slice()], |r| r.get(0)).map_err(db)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

fn insert_keys(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    device: &DeviceId,
    keys: &[StoredKey],
    now: u64,
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(sql).map_err(db)?;
    for k in keys {
        match stmt.execute(params![device.as_slice(), i64::from(k.id), k.stored, int(now)]) {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                return Err(StoreError::DuplicateId(k.id));
            }
            Err(e) => return Err(db(e)),
        }
    }
    Ok(())
}

/// Records a hand-out for the device's report.
fn record(tx: &rusqlite::Transaction<'_>, device: &DeviceId, kind: i64, id: i64, now: u64) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO handed_out (device_id, kind, key_id, handed_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (device_id, kind, key_id) DO NOTHING",
    )
    .map_err(db)?
    .execute(params![device.as_slice(), kind, id, int(now)])
    .map_err(db)?;
    Ok(())
}

/// A uniform-enough index below `n` (`n` ≤ the per-device cap, so the
/// modulo bias is below 2^-50).
fn random_below(n: u64) -> u64 {
    fn draw<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> u64 {
        let mut b = [0u8; 8];
        rng.fill_bytes(&mut b);
        u64::from_be_bytes(b)
    }
    draw(&mut rand::rng()) % n.max(1)
}

impl Store for SqliteStore {
    fn register(
        &self,
        device: &DeviceId,
        identity: &[u8; 128],
        token_hash: &[u8; 32],
        now: u64,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        if exists(&tx, device).is_ok() {
            return Err(StoreError::AlreadyRegistered);
        }
        tx.execute(
            "INSERT INTO devices (device_id, identity, token_hash, registered_at, mailbox_seq) VALUES (?1, ?2, ?3, ?4, 0)",
            params![device.as_slice(), identity.as_slice(), token_hash.as_slice(), int(now)],
        )
        .map_err(db)?;
        tx.commit().map_err(db)
    }

    fn device(&self, device: &DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
        let conn = self.lock();
        let row: Option<(Vec<u8>, Vec<u8>)> = conn
            .prepare_cached("SELECT identity, token_hash FROM devices WHERE device_id = ?1")
            .map_err(db)?
            .query_row(params![device.as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(db)?;
        match row {
            None => Ok(None),
            Some((identity, token_hash)) => {
                Ok(Some(DeviceRecord { identity: fixed(identity)?, token_hash: fixed(token_hash)? }))
            }
        }
    }

    fn put_signed_prekey(&self, device: &DeviceId, key: &StoredKey, now: u64) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        exists(&tx, device)?;
        tx.execute("DELETE FROM signed_prekeys WHERE device_id = ?1", params![device.as_slice()]).map_err(db)?;
        tx.execute(
            "INSERT INTO signed_prekeys (device_id, key_id, stored, uploaded_at) VALUES (?1, ?2, ?3, ?4)",
            params![device.as_slice(), i64::from(key.id), key.stored, int(now)],
        )
        .map_err(db)?;
        tx.commit().map_err(db)
    }

    fn add_one_time_prekeys(&self, device: &DeviceId, keys: &[StoredKey], now: u64) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        exists(&tx, device)?;
        let have = count(&tx, "SELECT COUNT(*) FROM one_time_prekeys WHERE device_id = ?1", device)?;
        if have.saturating_add(keys.len()) > self.caps.max_one_time {
            return Err(StoreError::Full { what: "one-time prekeys", max: self.caps.max_one_time });
        }
        insert_keys(
            &tx,
            "INSERT INTO one_time_prekeys (device_id, key_id, stored, uploaded_at) VALUES (?1, ?2, ?3, ?4)",
            device,
            keys,
            now,
        )?;
        tx.commit().map_err(db)
    }

    fn add_kem_prekeys(
        &self,
        device: &DeviceId,
        one_time: &[StoredKey],
        last_resort: Option<&StoredKey>,
        now: u64,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        exists(&tx, device)?;
        let have = count(&tx, "SELECT COUNT(*) FROM kem_prekeys WHERE device_id = ?1 AND last_resort = 0", device)?;
        if have.saturating_add(one_time.len()) > self.caps.max_kem {
            return Err(StoreError::Full { what: "one-time KEM prekeys", max: self.caps.max_kem });
        }
        if let Some(lr) = last_resort {
            // The previous last-resort key is replaced (a rotation); its id
            // may not collide with a one-time key still stored.
            tx.execute(
                "DELETE FROM kem_prekeys WHERE device_id = ?1 AND last_resort = 1 AND key_id <> ?2",
                params![device.as_slice(), i64::from(lr.id)],
            )
            .map_err(db)?;
            let same: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT stored FROM kem_prekeys WHERE device_id = ?1 AND key_id = ?2 AND last_resort = 1",
                    params![device.as_slice(), i64::from(lr.id)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            match same {
                Some(s) if s == lr.stored => {} // the same last-resort key again
                Some(_) => return Err(StoreError::DuplicateId(lr.id)),
                None => insert_keys(
                    &tx,
                    "INSERT INTO kem_prekeys (device_id, key_id, last_resort, stored, uploaded_at) VALUES (?1, ?2, 1, ?3, ?4)",
                    device,
                    std::slice::from_ref(lr),
                    now,
                )?,
            }
        }
        insert_keys(
            &tx,
            "INSERT INTO kem_prekeys (device_id, key_id, last_resort, stored, uploaded_at) VALUES (?1, ?2, 0, ?3, ?4)",
            device,
            one_time,
            now,
        )?;
        tx.commit().map_err(db)
    }

    fn add_key_package(&self, device: &DeviceId, envelope: &[u8], now: u64) -> Result<(), StoreError> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(envelope);
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        exists(&tx, device)?;
        let have = count(&tx, "SELECT COUNT(*) FROM key_packages WHERE device_id = ?1", device)?;
        if have >= self.caps.max_key_packages {
            return Err(StoreError::Full { what: "MLS KeyPackages", max: self.caps.max_key_packages });
        }
        match tx.execute(
            "INSERT INTO key_packages (device_id, digest, envelope, uploaded_at) VALUES (?1, ?2, ?3, ?4)",
            params![device.as_slice(), digest.as_slice(), envelope, int(now)],
        ) {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                return Err(StoreError::DuplicateKeyPackage);
            }
            Err(e) => return Err(db(e)),
        }
        tx.commit().map_err(db)
    }

    fn put_device_list(&self, device: &DeviceId, list: &[u8], now: u64) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        exists(&tx, device)?;
        tx.execute("DELETE FROM device_lists WHERE device_id = ?1", params![device.as_slice()]).map_err(db)?;
        tx.execute(
            "INSERT INTO device_lists (device_id, list, uploaded_at) VALUES (?1, ?2, ?3)",
            params![device.as_slice(), list, int(now)],
        )
        .map_err(db)?;
        tx.commit().map_err(db)
    }

    fn device_list(&self, device: &DeviceId) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.lock();
        conn.query_row("SELECT list FROM device_lists WHERE device_id = ?1", params![device.as_slice()], |r| r.get(0))
            .optional()
            .map_err(db)
    }

    fn take_bundle(&self, target: &DeviceId, take_one_time: bool, now: u64) -> Result<Option<BundleParts>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        let identity: Option<Vec<u8>> = tx
            .prepare_cached("SELECT identity FROM devices WHERE device_id = ?1")
            .map_err(db)?
            .query_row(params![target.as_slice()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        let Some(identity) = identity else { return Err(StoreError::UnknownDevice) };
        let signed: Option<Vec<u8>> = tx
            .prepare_cached("SELECT stored FROM signed_prekeys WHERE device_id = ?1")
            .map_err(db)?
            .query_row(params![target.as_slice()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        let Some(signed) = signed else { return Ok(None) };
        // Stored one-time prekeys go out in random order, not by id, so the
        // ids fetched reveal less about how many were used (SPEC.md §17.7).
        let mut one_time = None;
        if take_one_time {
            let n = count(&tx, "SELECT COUNT(*) FROM one_time_prekeys WHERE device_id = ?1", target)?;
            if n > 0 {
                let (id, stored): (i64, Vec<u8>) = tx
                    .prepare_cached(
                        "SELECT key_id, stored FROM one_time_prekeys WHERE device_id = ?1 ORDER BY key_id LIMIT 1 OFFSET ?2",
                    )
                    .map_err(db)?
                    .query_row(params![target.as_slice(), int(random_below(n as u64))], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(db)?;
                tx.prepare_cached("DELETE FROM one_time_prekeys WHERE device_id = ?1 AND key_id = ?2")
                    .map_err(db)?
                    .execute(params![target.as_slice(), id])
                    .map_err(db)?;
                record(&tx, target, KIND_ONE_TIME, id, now)?;
                one_time = Some(stored);
            }
        }
        // A one-time KEM prekey goes out with every hand-out allowed one-time
        // keys (with the X25519 one while any is left: consumed together),
        // the last-resort one when none is left; a rate-limited hand-out
        // (no one-time keys) gets the last-resort one if there is one.
        let kem_one_time =
            count(&tx, "SELECT COUNT(*) FROM kem_prekeys WHERE device_id = ?1 AND last_resort = 0", target)?;
        let last_resort: Option<Vec<u8>> = tx
            .prepare_cached("SELECT stored FROM kem_prekeys WHERE device_id = ?1 AND last_resort = 1")
            .map_err(db)?
            .query_row(params![target.as_slice()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        let kem = if kem_one_time > 0 && (take_one_time || last_resort.is_none()) {
            let (id, stored): (i64, Vec<u8>) = tx
                .prepare_cached(
                    "SELECT key_id, stored FROM kem_prekeys WHERE device_id = ?1 AND last_resort = 0 \
                     ORDER BY key_id LIMIT 1 OFFSET ?2",
                )
                .map_err(db)?
                .query_row(params![target.as_slice(), int(random_below(kem_one_time as u64))], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .map_err(db)?;
            tx.prepare_cached("DELETE FROM kem_prekeys WHERE device_id = ?1 AND key_id = ?2")
                .map_err(db)?
                .execute(params![target.as_slice(), id])
                .map_err(db)?;
            record(&tx, target, KIND_KEM, id, now)?;
            Some(stored)
        } else {
            last_resort
        };
        tx.commit().map_err(db)?;
        Ok(Some(BundleParts { identity: fixed(identity)?, signed, one_time, kem }))
    }

    fn take_key_package(&self, target: &DeviceId) -> Result<Option<Vec<u8>>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        exists(&tx, target)?;
        let row: Option<(Vec<u8>, Vec<u8>)> = tx
            .query_row(
                "SELECT digest, envelope FROM key_packages WHERE device_id = ?1 ORDER BY uploaded_at, digest LIMIT 1",
                params![target.as_slice()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)?;
        let Some((digest, envelope)) = row else { return Ok(None) };
        tx.execute("DELETE FROM key_packages WHERE device_id = ?1 AND digest = ?2", params![target.as_slice(), digest])
            .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(Some(envelope))
    }

    fn take_handed_out(&self, device: &DeviceId) -> Result<HandedOut, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        exists(&tx, device)?;
        let mut report = HandedOut::default();
        {
            let mut stmt = tx
                .prepare("SELECT kind, key_id FROM handed_out WHERE device_id = ?1 ORDER BY kind, key_id")
                .map_err(db)?;
            let rows = stmt
                .query_map(params![device.as_slice()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
                .map_err(db)?;
            for row in rows {
                let (kind, id) = row.map_err(db)?;
                if kind == KIND_ONE_TIME { report.one_time.push(key_id(id)) } else { report.kem.push(key_id(id)) }
            }
        }
        tx.execute("DELETE FROM handed_out WHERE device_id = ?1", params![device.as_slice()]).map_err(db)?;
        report.one_time_remaining =
            count(&tx, "SELECT COUNT(*) FROM one_time_prekeys WHERE device_id = ?1", device)? as u64;
        report.kem_remaining =
            count(&tx, "SELECT COUNT(*) FROM kem_prekeys WHERE device_id = ?1 AND last_resort = 0", device)? as u64;
        report.has_last_resort_kem =
            count(&tx, "SELECT COUNT(*) FROM kem_prekeys WHERE device_id = ?1 AND last_resort = 1", device)? > 0;
        tx.commit().map_err(db)?;
        Ok(report)
    }

    fn deposit(&self, recipient: &DeviceId, sender: &DeviceId, body: &[u8], now: u64) -> Result<u64, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        let waiting = count(&tx, "SELECT COUNT(*) FROM messages WHERE recipient = ?1", recipient)?;
        if waiting >= self.caps.max_mailbox {
            return Err(StoreError::Full { what: "mailbox messages", max: self.caps.max_mailbox });
        }
        // UPDATE ... RETURNING: a row lock on PostgreSQL, the write lock here.
        let seq: Option<i64> = tx
            .prepare_cached(
                "UPDATE devices SET mailbox_seq = mailbox_seq + 1 WHERE device_id = ?1 RETURNING mailbox_seq",
            )
            .map_err(db)?
            .query_row(params![recipient.as_slice()], |r| r.get(0))
            .optional()
            .map_err(db)?;
        let Some(seq) = seq else { return Err(StoreError::UnknownDevice) };
        tx.prepare_cached(
            "INSERT INTO messages (recipient, seq, sender, body, deposited_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(db)?
        .execute(params![recipient.as_slice(), seq, sender.as_slice(), body, int(now)])
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(uint(seq))
    }

    fn fetch(&self, recipient: &DeviceId, after: u64, limit: usize) -> Result<Vec<StoredMessage>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT seq, sender, body FROM messages WHERE recipient = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![recipient.as_slice(), int(after), int(limit as u64)], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, sender, body) = row.map_err(db)?;
            out.push(StoredMessage { seq: uint(seq), sender: fixed(sender)?, body });
        }
        Ok(out)
    }

    fn ack(&self, recipient: &DeviceId, up_to: u64) -> Result<usize, StoreError> {
        let conn = self.lock();
        conn.execute(
            "DELETE FROM messages WHERE recipient = ?1 AND seq <= ?2",
            params![recipient.as_slice(), int(up_to)],
        )
        .map_err(db)
    }
}
