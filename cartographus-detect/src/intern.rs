//! String interning: servers, devices, cities and client names become `u32` indexes
//! that plays store and compare without allocating.
//!
//! The engine interns a device id on every new play, with tens of thousands of devices
//! in memory, so the lookup is built to touch little memory: an index of 8-byte slots
//! (32 bits of the key's hash and the entry's position; linear probing, at most half
//! full) that stays in cache, and entries that keep the key's bytes inline (when short)
//! right before the value the caller reads next. A lookup of a known key reads the
//! index and the one entry it finds, and compares bytes only when the 32 hash bits
//! match.

use crate::window::{Hasher, NONE};

/// The longest key kept inline in its entry: every city, client and server name seen
/// in practice, Plex machine identifiers and UUID-shaped device ids. Longer keys (some
/// Jellyfin device ids) live on the heap.
const INLINE_KEY: usize = 46;

/// An interned string's bytes, inline when short.
#[derive(Clone)]
enum Key {
    Inline { len: u8, bytes: [u8; INLINE_KEY] },
    Heap(Box<[u8]>),
}

impl Key {
    fn new(b: &[u8]) -> Self {
        if b.len() > INLINE_KEY {
            return Key::Heap(b.into());
        }
        let mut bytes = [0u8; INLINE_KEY];
        bytes[..b.len()].copy_from_slice(b);
        Key::Inline {
            len: b.len() as u8,
            bytes,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Key::Heap(b) => b,
        }
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        String::from_utf8_lossy(self.as_bytes()).fmt(f)
    }
}

/// One interned string and its value.
#[derive(Debug, Clone)]
struct Entry<T> {
    key: Key,
    value: T,
}

/// Interns strings as `u32` indexes. Looking up a known string does not allocate.
#[derive(Debug, Clone)]
pub(crate) struct Interner<T> {
    hasher: Hasher,
    /// Each slot is 0 (empty) or `hash32 << 32 | (position + 1)`; a key's probe run
    /// starts at `hash32 & mask`, so growing needs no rehash of the keys.
    slots: Vec<u64>,
    entries: Vec<Entry<T>>,
}

impl<T> Interner<T> {
    pub(crate) fn new(hasher: Hasher) -> Self {
        Self {
            hasher,
            slots: vec![0; 16],
            entries: Vec::new(),
        }
    }

    fn hash32(&self, key: &[u8]) -> u32 {
        (self.hasher.hash_one(key) >> 32) as u32
    }

    /// The position of `key`, or the empty slot where its index would go.
    fn find(&self, key: &[u8], hash: u32) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return Err(i);
            }
            if (slot >> 32) as u32 == hash {
                let at = (slot as u32).wrapping_sub(1);
                if self
                    .entries
                    .get(at as usize)
                    .is_some_and(|e| e.key.as_bytes() == key)
                {
                    return Ok(at);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The index of `key`, creating the value with `make` the first time; [`NONE`]
    /// once 2³² - 2 strings are interned.
    pub(crate) fn intern(&mut self, key: &str, make: impl FnOnce() -> T) -> u32 {
        let bytes = key.as_bytes();
        self.intern_hashed(bytes, self.hash32(bytes), make)
    }

    fn intern_hashed(&mut self, bytes: &[u8], hash: u32, make: impl FnOnce() -> T) -> u32 {
        let empty = match self.find(bytes, hash) {
            Ok(at) => return at,
            Err(empty) => empty,
        };
        let Some(at) = u32::try_from(self.entries.len())
            .ok()
            .filter(|&i| i < NONE - 1)
        else {
            return NONE;
        };
        self.entries.push(Entry {
            key: Key::new(bytes),
            value: make(),
        });
        self.slots[empty] = u64::from(hash) << 32 | u64::from(at + 1);
        if self.entries.len() * 2 > self.slots.len() {
            self.grow();
        }
        at
    }

    fn grow(&mut self) {
        let bigger = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| *s != 0) {
            let mut i = (slot >> 32) as usize & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }

    pub(crate) fn get(&self, i: u32) -> Option<&T> {
        self.entries.get(i as usize).map(|e| &e.value)
    }

    pub(crate) fn get_mut(&mut self, i: u32) -> Option<&mut T> {
        self.entries.get_mut(i as usize).map(|e| &mut e.value)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.entries.iter_mut().map(|e| &mut e.value)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    fn interner<T>() -> Interner<T> {
        Interner::new(Hasher::with_seeds(1, 2, 3, 4))
    }

    #[test]
    fn interner_reuses_indexes() {
        let mut i: Interner<u8> = interner();
        let a = i.intern("a", || 1);
        assert_eq!(i.intern("a", || 9), a);
        assert_ne!(i.intern("b", || 2), a);
        assert_eq!(i.get(a), Some(&1));
        assert_eq!(i.get_mut(a).map(|v| *v), Some(1));
        assert_eq!(i.len(), 2);
        assert_eq!(i.get(7), None);
    }

    #[test]
    fn keys_short_long_and_at_the_inline_limit() {
        let mut i: Interner<usize> = interner();
        let names: Vec<String> = [0, 1, INLINE_KEY - 1, INLINE_KEY, INLINE_KEY + 1, 200]
            .iter()
            .flat_map(|&n| ["x".repeat(n), format!("{}y", "x".repeat(n))])
            .collect();
        let ids: Vec<u32> = names
            .iter()
            .enumerate()
            .map(|(k, n)| i.intern(n, || k))
            .collect();
        for (k, (n, id)) in names.iter().zip(&ids).enumerate() {
            assert_eq!(i.intern(n, || usize::MAX), *id, "{n:?} found again");
            assert_eq!(i.get(*id), Some(&k));
        }
        let distinct: std::collections::HashSet<u32> = ids.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            names.len(),
            "keys that differ get their own index"
        );
        assert_eq!(format!("{:?}", Key::new(b"dev")), "\"dev\"");
    }

    #[test]
    fn equal_hash_bits_still_compare_the_keys() {
        // Every key with the same 32 hash bits: one long probe run, growth included.
        let mut i: Interner<u32> = interner();
        let key = |n: u32| format!("device-{n}");
        for n in 0..300u32 {
            assert_eq!(i.intern_hashed(key(n).as_bytes(), 0xdead_beef, || n), n);
        }
        for n in (0..300u32).rev() {
            let found = i.intern_hashed(key(n).as_bytes(), 0xdead_beef, || u32::MAX);
            assert_eq!(found, n);
        }
        assert_eq!(i.len(), 300);
        assert!(i.slots.len() >= 2 * i.len());
        assert_eq!(i.values_mut().count(), 300);
    }

    proptest! {
        /// The interner agrees with a map from string to first index.
        #[test]
        fn interner_matches_a_map(keys in proptest::collection::vec("[a-c]{0,3}|[a-z0-9-]{40,60}", 1..200)) {
            let mut i: Interner<usize> = interner();
            let mut model: HashMap<String, u32> = HashMap::new();
            for k in keys {
                let next = model.len() as u32;
                let expect = *model.entry(k.clone()).or_insert(next);
                prop_assert_eq!(i.intern(&k, || expect as usize), expect);
                prop_assert_eq!(i.get(expect), Some(&(expect as usize)));
            }
            prop_assert_eq!(i.len(), model.len());
        }
    }
}
