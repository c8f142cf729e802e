//! The world's randomness: SplitMix64, seeded and keyed. Every decision of the world
//! draws from a generator keyed by the world seed and the decision's coordinates
//! (person, time slot, purpose), so any moment of the world can be computed on its own,
//! in any order, with the same result on every platform. Only integer arithmetic and
//! exact float divisions are used (no `powf`, no `exp`), so results do not depend on
//! the platform's maths library.

/// A SplitMix64 generator.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a good 64-bit mixer.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash of a seed and a list of coordinates.
pub(crate) fn hash(seed: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(mix(seed ^ GOLDEN), |h, p| {
        mix(h.wrapping_add(GOLDEN) ^ mix(p.wrapping_add(0x5851_F42D_4C95_7F2D)))
    })
}

impl Rng {
    /// A generator for the decision at `parts` of the world `seed`.
    pub(crate) fn keyed(seed: u64, parts: &[u64]) -> Self {
        Self {
            state: hash(seed, parts),
        }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into a slice of `len` items.
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64) as i64
    }

    /// A float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One item of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index drawn with the given (non-negative) weights; 0 if they are all zero.
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return 0;
        }
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// A rank in `0..n` with Zipf-like popularity (weight `1 / (rank + 1)`).
    pub(crate) fn zipf(&mut self, n: usize) -> usize {
        let weights: Vec<f64> = (0..n).map(|k| 1.0 / (k as f64 + 1.0)).collect();
        self.weighted(&weights)
    }

    /// `len` lower-case hex digits.
    pub(crate) fn hex(&mut self, len: usize) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        (0..len).map(|_| DIGITS[self.index(16)] as char).collect()
    }

    /// `len` lower-case letters and digits (Plex machine identifiers).
    pub(crate) fn alnum(&mut self, len: usize) -> String {
        const CHARS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len).map(|_| CHARS[self.index(36)] as char).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_generators_are_reproducible_and_distinct() {
        let a: Vec<u64> = {
            let mut r = Rng::keyed(7, &[1, 2]);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::keyed(7, &[1, 2]);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let c = Rng::keyed(7, &[2, 1]).next_u64();
        assert_eq!(a, b);
        assert_ne!(a[0], c);
        assert_ne!(Rng::keyed(8, &[1, 2]).next_u64(), a[0]);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut r = Rng::keyed(1, &[]);
        for _ in 0..1000 {
            assert!(r.below(7) < 7);
            let x = r.range(-3, 4);
            assert!((-3..4).contains(&x));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(r.zipf(5) < 5);
            assert_eq!(r.weighted(&[0.0, 1.0, 0.0]), 1);
        }
        assert_eq!(r.range(5, 5), 5);
        assert_eq!(r.hex(32).len(), 32);
    }
}
