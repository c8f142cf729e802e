//! A small vector stored inline (no heap), for the per-device and per-network lists the
//! engine reads on every play: one cache line pulled in with its owner instead of a
//! pointer chased to another allocation.

use std::ops::{Deref, DerefMut};

/// Up to `N` copyable items inline. Unused slots hold a filler value.
///
/// The length comes first (`repr(C)`), so reading it and the first items touches one
/// cache line, not the line after the last item as well.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
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

    /// Keeps only the items `keep` accepts, in order. Nothing is written unless an
    /// item goes.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let len = usize::from(self.len);
        let Some(first) = (0..len).find(|&i| !keep(&self.items[i])) else {
            return;
        };
        let mut w = first;
        for r in first + 1..len {
            if keep(&self.items[r]) {
                self.items[w] = self.items[r];
                w += 1;
            }
        }
        self.len = w as u8;
    }
}

/// Up to `N` items inline, more on the heap, a slice either way: for per-device and
/// per-network lists that almost always hold one or two items but may hold more. The
/// owner bounds the length.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SmallVec<T: Copy, const N: usize> {
    /// At most `N` items, inline.
    Inline(InlineVec<T, N>),
    /// Once an item did not fit inline.
    Heap(Vec<T>),
}

impl<T: Copy, const N: usize> SmallVec<T, N> {
    /// An empty vector; `filler` fills the unused inline slots.
    pub(crate) const fn new(filler: T) -> Self {
        SmallVec::Inline(InlineVec::new(filler))
    }

    /// Appends an item, moving to the heap if it does not fit inline.
    pub(crate) fn push(&mut self, item: T) {
        let v = match self {
            SmallVec::Heap(v) => return v.push(item),
            SmallVec::Inline(v) => v,
        };
        if v.push(item) {
            return;
        }
        let mut heap = Vec::with_capacity(2 * N + 1);
        heap.extend_from_slice(v);
        heap.push(item);
        *self = SmallVec::Heap(heap);
    }

    /// Removes the item at `i`, keeping the order of the others.
    pub(crate) fn remove(&mut self, i: usize) {
        match self {
            SmallVec::Inline(v) => v.remove(i),
            SmallVec::Heap(v) if i < v.len() => {
                v.remove(i);
            }
            SmallVec::Heap(_) => {}
        }
    }

    /// Keeps only the items `keep` accepts, in order.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        match self {
            SmallVec::Inline(v) => v.retain(keep),
            SmallVec::Heap(v) => v.retain(keep),
        }
    }
}

impl<T: Copy, const N: usize> Deref for SmallVec<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            SmallVec::Inline(v) => v,
            SmallVec::Heap(v) => v,
        }
    }
}

impl<T: Copy, const N: usize> DerefMut for SmallVec<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            SmallVec::Inline(v) => v,
            SmallVec::Heap(v) => v,
        }
    }
}

/// Items in insertion order: the first `N` inline, any more in a heap vector that is
/// neither allocated nor read until it holds something. For per-user lists that are
/// almost always short but must not be capped that low.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SpillVec<T: Copy, const N: usize> {
    head: InlineVec<T, N>,
    tail: Vec<T>,
}

impl<T: Copy + PartialEq, const N: usize> SpillVec<T, N> {
    /// An empty list; `filler` fills the unused inline slots.
    pub(crate) const fn new(filler: T) -> Self {
        Self {
            head: InlineVec::new(filler),
            tail: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    pub(crate) fn contains(&self, item: &T) -> bool {
        self.head.contains(item) || self.tail.contains(item)
    }

    /// Appends an item.
    pub(crate) fn push(&mut self, item: T) {
        // The tail only fills once the head is full, so order is head then tail.
        if !self.head.push(item) {
            self.tail.push(item);
        }
    }

    /// Removes the oldest item, if any.
    pub(crate) fn remove_first(&mut self) {
        if self.head.is_empty() {
            return;
        }
        self.head.remove(0);
        if !self.tail.is_empty() {
            let next = self.tail.remove(0);
            self.head.push(next);
        }
    }

    /// The items, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.head.iter().chain(self.tail.iter())
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
        v.retain(|_| true);
        assert_eq!(&*v, &[9, 4]);
    }

    #[test]
    fn small_vec_behaves_like_a_vec_inline_and_on_the_heap() {
        let mut v: SmallVec<u32, 2> = SmallVec::new(0);
        let mut model: Vec<u32> = Vec::new();
        for i in 1..=12u32 {
            v.push(i);
            model.push(i);
            match i % 5 {
                0 => {
                    v.remove(1);
                    model.remove(1);
                }
                3 => {
                    v.retain(|x| x % 3 != 0);
                    model.retain(|x| x % 3 != 0);
                }
                _ => {}
            }
            assert_eq!(&*v, &model[..]);
            assert_eq!(
                matches!(v, SmallVec::Heap(_)),
                i >= 3,
                "spills with a third item"
            );
        }
        v.remove(99);
        v[0] = 7;
        model[0] = 7;
        assert_eq!(&*v, &model[..]);
        let mut w: SmallVec<u32, 2> = SmallVec::new(0);
        w.push(1);
        w.remove(0);
        w.remove(0);
        assert!(w.is_empty());
    }

    #[test]
    fn spill_vec_keeps_order_across_head_and_tail() {
        let mut v: SpillVec<u32, 3> = SpillVec::new(0);
        let mut model: Vec<u32> = Vec::new();
        v.remove_first();
        for i in 1..=10 {
            v.push(i);
            model.push(i);
            if i % 4 == 0 {
                v.remove_first();
                model.remove(0);
            }
            assert_eq!(v.len(), model.len());
            assert_eq!(v.iter().copied().collect::<Vec<_>>(), model);
            assert!(model.iter().all(|x| v.contains(x)));
            assert!(!v.contains(&0) && !v.contains(&99));
        }
        while !model.is_empty() {
            v.remove_first();
            model.remove(0);
            assert_eq!(v.iter().copied().collect::<Vec<_>>(), model);
        }
        assert_eq!(v.len(), 0);
    }
}
