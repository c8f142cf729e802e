//! A small vector stored inline (no heap), for the per-device and per-network lists the
//! engine reads on every play: one cache line pulled in with its owner instead of a
//! pointer chased to another allocation.

use std::ops::{Deref, DerefMut};

/// Up to `N` copyable items inline. Unused slots hold a filler value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct InlineVec<T: Copy, const N: usize> {
    len: u8,
    items: [T; N],
}

impl<T: Copy, const N: usize> InlineVec<T, N> {
    /// An empty vector; `filler` fills the unused slots.
    pub(crate) const fn new(filler: T) -> Self {
        Self {
            len: 0,
            items: [filler; N],
        }
    }

    /// Appends an item; returns false (and drops it) when full.
    pub(crate) fn push(&mut self, item: T) -> bool {
        let i = usize::from(self.len);
        if i >= N {
            return false;
        }
        self.items[i] = item;
        self.len += 1;
        true
    }

    /// Removes the item at `i`, keeping the order of the others.
    pub(crate) fn remove(&mut self, i: usize) {
        let len = usize::from(self.len);
        if i >= len {
            return;
        }
        self.items.copy_within(i + 1..len, i);
        self.len -= 1;
    }

    /// Keeps only the items `keep` accepts, in order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let len = usize::from(self.len);
        let mut w = 0;
        for r in 0..len {
            if keep(&self.items[r]) {
                self.items[w] = self.items[r];
                w += 1;
            }
        }
        self.len = w as u8;
    }
}

impl<T: Copy, const N: usize> Deref for InlineVec<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items[..usize::from(self.len)]
    }
}

impl<T: Copy, const N: usize> DerefMut for InlineVec<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.items[..usize::from(self.len)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_remove_retain() {
        let mut v: InlineVec<u32, 4> = InlineVec::new(0);
        for i in 1..=5 {
            assert_eq!(v.push(i), i <= 4);
        }
        assert_eq!(&*v, &[1, 2, 3, 4]);
        v.remove(1);
        assert_eq!(&*v, &[1, 3, 4]);
        v.retain(|x| *x != 3);
        assert_eq!(&*v, &[1, 4]);
        v[0] = 9;
        assert_eq!(v.iter().sum::<u32>(), 13);
        v.remove(7);
        assert_eq!(v.len(), 2);
    }
}
