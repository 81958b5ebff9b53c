//! The in-memory storage providers mls-rs writes into, which the crate then
//! serializes inside its own versioned state formats (SPEC.md §15.9): one
//! group's snapshot and prior epochs, and one device's KeyPackage secrets.

use mls_rs_core::group::{EpochRecord, GroupState, GroupStateStorage};
use mls_rs_core::key_package::{KeyPackageData, KeyPackageStorage};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use zeroize::Zeroizing;

/// A storage provider failed (only a poisoned lock, i.e. a panic elsewhere).
#[derive(Debug, thiserror::Error)]
#[error("MLS storage unavailable")]
pub(crate) struct StorageFailure;

impl mls_rs_core::error::IntoAnyError for StorageFailure {
    fn into_dyn_error(self) -> Result<Box<dyn std::error::Error + Send + Sync>, Self> {
        Ok(Box::new(self))
    }
}

/// One group's stored state: the latest snapshot and the prior epochs kept.
#[derive(Default)]
pub(crate) struct SlotData {
    pub(crate) group_id: Vec<u8>,
    pub(crate) snapshot: Option<Zeroizing<Vec<u8>>>,
    pub(crate) epochs: BTreeMap<u64, Zeroizing<Vec<u8>>>,
}

/// The group state storage of one group: writes replace, epochs beyond
/// `max_epochs` are dropped oldest first (their keys are gone).
#[derive(Clone)]
pub(crate) struct StateSlot {
    inner: Arc<Mutex<SlotData>>,
    max_epochs: usize,
}

impl StateSlot {
    pub(crate) fn new(max_epochs: usize) -> Self {
        Self { inner: Arc::default(), max_epochs }
    }

    pub(crate) fn with_data(data: SlotData, max_epochs: usize) -> Self {
        Self { inner: Arc::new(Mutex::new(data)), max_epochs }
    }

    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, SlotData>, StorageFailure> {
        self.inner.lock().map_err(|_| StorageFailure)
    }
}

impl GroupStateStorage for StateSlot {
    type Error = StorageFailure;

    fn state(&self, group_id: &[u8]) -> Result<Option<Zeroizing<Vec<u8>>>, Self::Error> {
        let d = self.lock()?;
        Ok(if d.group_id == group_id { d.snapshot.clone() } else { None })
    }

    fn epoch(&self, group_id: &[u8], epoch_id: u64) -> Result<Option<Zeroizing<Vec<u8>>>, Self::Error> {
        let d = self.lock()?;
        Ok(if d.group_id == group_id { d.epochs.get(&epoch_id).cloned() } else { None })
    }

    fn write(
        &mut self,
        state: GroupState,
        epoch_inserts: Vec<EpochRecord>,
        epoch_updates: Vec<EpochRecord>,
    ) -> Result<(), Self::Error> {
        let mut d = self.lock()?;
        if d.group_id != state.id {
            d.epochs.clear();
            d.group_id.clone_from(&state.id);
        }
        d.snapshot = Some(state.data);
        for e in epoch_inserts.into_iter().chain(epoch_updates) {
            d.epochs.insert(e.id, e.data);
        }
        while d.epochs.len() > self.max_epochs {
            d.epochs.pop_first();
        }
        Ok(())
    }

    fn max_epoch_id(&self, group_id: &[u8]) -> Result<Option<u64>, Self::Error> {
        let d = self.lock()?;
        Ok(if d.group_id == group_id { d.epochs.keys().next_back().copied() } else { None })
    }
}

/// KeyPackage secrets mls-rs reads when joining (one entry, put there for
/// the join) and writes when generating (taken out right after).
#[derive(Clone, Default)]
pub(crate) struct KeyPackageSlot {
    inner: Arc<Mutex<BTreeMap<Vec<u8>, KeyPackageData>>>,
}

impl KeyPackageSlot {
    pub(crate) fn take_all(&self) -> Result<BTreeMap<Vec<u8>, KeyPackageData>, StorageFailure> {
        Ok(core::mem::take(&mut *self.inner.lock().map_err(|_| StorageFailure)?))
    }
}

impl KeyPackageStorage for KeyPackageSlot {
    type Error = StorageFailure;

    fn delete(&mut self, id: &[u8]) -> Result<(), Self::Error> {
        self.inner.lock().map_err(|_| StorageFailure)?.remove(id);
        Ok(())
    }

    fn insert(&mut self, id: Vec<u8>, pkg: KeyPackageData) -> Result<(), Self::Error> {
        self.inner.lock().map_err(|_| StorageFailure)?.insert(id, pkg);
        Ok(())
    }

    fn get(&self, id: &[u8]) -> Result<Option<KeyPackageData>, Self::Error> {
        Ok(self.inner.lock().map_err(|_| StorageFailure)?.get(id).cloned())
    }
}
