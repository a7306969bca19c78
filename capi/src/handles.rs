//! Handles: the pointers C holds are keys into registries of live objects,
//! never dereferenced. A freed, foreign or stale handle is not found and
//! becomes `STRATA_INVALID_HANDLE` (a double free included) instead of a use
//! after free.
//!
//! An object lives in an `Arc`: a call clones it out of the registry under
//! the lock, so a handle freed by one thread while another thread's call is
//! running only drops the registry's reference, and the object goes when
//! that call returns.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::{Error, StrataStatus};

/// The live objects of one handle type, by address. A `BTreeMap`: its
/// nodes are reached through pointers to their start, so what a program
/// leaves at exit is "still reachable" to valgrind, never "possibly lost"
/// (hash tables point into the middle of their allocation), and it needs
/// no random state per map.
pub(crate) struct Registry<T> {
    live: Mutex<BTreeMap<usize, Arc<T>>>,
    what: &'static str,
}

impl<T> Registry<T> {
    /// An empty registry of `what`s (the name errors use).
    pub(crate) const fn new(what: &'static str) -> Self {
        Registry {
            live: Mutex::new(BTreeMap::new()),
            what,
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<usize, Arc<T>>> {
        // Nothing panics while the lock is held (map operations on plain
        // keys), but recover anyway.
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers `value`; its handle is the address of the shared value.
    pub(crate) fn insert(&self, value: T) -> *mut T {
        let value = Arc::new(value);
        let ptr = Arc::as_ptr(&value).cast_mut();
        self.lock().insert(ptr as usize, value);
        ptr
    }

    /// Registers `value` under `key`, for objects whose handle is not their
    /// own address (a buffer's handle is its bytes' address).
    pub(crate) fn insert_at(&self, key: usize, value: T) {
        self.lock().insert(key, Arc::new(value));
    }

    /// Removes the object registered under `key`.
    pub(crate) fn remove_at(&self, key: usize) -> Result<Arc<T>, Error> {
        self.lock().remove(&key).ok_or_else(|| self.invalid())
    }

    /// The object of `handle`.
    pub(crate) fn get(&self, handle: *const T) -> Result<Arc<T>, Error> {
        if handle.is_null() {
            return Err(Error::null(self.what));
        }
        self.lock()
            .get(&(handle as usize))
            .cloned()
            .ok_or_else(|| self.invalid())
    }

    /// Removes `handle`; the object goes when the last running call using it
    /// returns.
    pub(crate) fn remove(&self, handle: *const T) -> Result<Arc<T>, Error> {
        if handle.is_null() {
            return Err(Error::null(self.what));
        }
        self.remove_at(handle as usize)
    }

    /// How many objects are live.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn invalid(&self) -> Error {
        Error::new(
            StrataStatus::STRATA_INVALID_HANDLE,
            format!(
                "not a live {}: it was already freed, or does not come from this API",
                self.what
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_handle_is_invalid_and_a_double_free_is_an_error() {
        let reg: Registry<u64> = Registry::new("thing");
        let h = reg.insert(7);
        assert_eq!(*reg.get(h).unwrap(), 7);
        assert_eq!(reg.len(), 1);
        let kept = reg.get(h).unwrap();
        assert!(reg.remove(h).is_ok());
        assert_eq!(*kept, 7, "a running call keeps its object");
        let e = reg.remove(h).unwrap_err();
        assert_eq!(e.status, StrataStatus::STRATA_INVALID_HANDLE);
        assert!(e.message.contains("already freed"), "{}", e.message);
        assert_eq!(
            reg.get(std::ptr::null()).unwrap_err().status,
            StrataStatus::STRATA_INVALID_ARGUMENT
        );
        assert_eq!(reg.len(), 0);
    }
}
