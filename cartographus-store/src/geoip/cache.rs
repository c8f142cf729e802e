//! A bounded cache of GeoIP answers with two generations: new answers go into the
//! young map; when it is full, it becomes the old map and the previous old map is
//! dropped. A hit in the old map is promoted. Memory stays within `capacity` entries
//! and recently used addresses survive, at O(1) per operation.

use std::collections::HashMap;
use std::net::IpAddr;

use cartographus_core::Geolocation;

#[derive(Debug)]
pub(crate) struct Cache {
    young: HashMap<IpAddr, Geolocation>,
    old: HashMap<IpAddr, Geolocation>,
    half: usize,
}

impl Cache {
    pub(crate) fn new(capacity: usize) -> Self {
        let half = (capacity / 2).max(1);
        Self {
            young: HashMap::with_capacity(half.min(1 << 16)),
            old: HashMap::new(),
            half,
        }
    }

    pub(crate) fn get(&mut self, ip: IpAddr) -> Option<Geolocation> {
        if let Some(g) = self.young.get(&ip) {
            return Some(g.clone());
        }
        let g = self.old.remove(&ip)?;
        self.put(ip, g.clone());
        Some(g)
    }

    pub(crate) fn put(&mut self, ip: IpAddr, g: Geolocation) {
        if self.young.len() >= self.half {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(ip, g);
    }

    pub(crate) fn clear(&mut self) {
        self.young.clear();
        self.old.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_keeps_recent() {
        let mut c = Cache::new(4);
        let ip = |n: u8| IpAddr::from([1, 1, 1, n]);
        for n in 0..100 {
            c.put(ip(n), Geolocation::unknown());
            assert!(c.len() <= 4);
            // The first address is used all the time, so it is never evicted.
            if n > 0 {
                c.put(ip(0), Geolocation::unknown());
            }
            assert!(c.get(ip(0)).is_some());
        }
        assert!(c.get(ip(1)).is_none());
        assert!(c.get(ip(99)).is_some());
    }
}
