//! How the WAL behaves: durability, retention of failing entries, compaction triggers and
//! the replay lease.

use std::fmt;
use std::time::Duration;

use super::WalError;

/// Settings of a [`Wal`](super::Wal).
///
/// ## Defaults
/// - `fsync`: `true` — every append (and lease change, compaction, release) is on disk
///   when it returns; confirmations and failure counts ride on the next fsync.
/// - `ttl`: 7 days — a pending entry older than this that has failed at least once becomes
///   a dead letter at the next compaction.
/// - `compact_interval`: 1 hour.
/// - `compact_confirmed`: 100,000 confirmed entries also make compaction due.
/// - `max_file_bytes`: 256 MiB — above this, compaction also shrinks the file.
/// - `lease_duration`: 60 s.
/// - `replay_batch`: 512 entries read per replay step.
/// - `cache_bytes`: 32 MiB of page cache.
/// - `check_integrity_on_open`: `true` — every page checksum is verified when the file is
///   opened, so a damaged file is reported instead of trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WalConfig {
    /// Whether appends and the other durable commits are fsynced before they return.
    pub fsync: bool,
    /// Age after which failing entries are moved out as dead letters.
    pub ttl: Duration,
    /// Compaction is due when this long has passed since the last one.
    pub compact_interval: Duration,
    /// Compaction is due when this many confirmed entries wait to be dropped.
    pub compact_confirmed: u64,
    /// File size above which compaction also shrinks the file.
    pub max_file_bytes: u64,
    /// How long an acquired or renewed replay lease lasts.
    pub lease_duration: Duration,
    /// Entries read per replay step.
    pub replay_batch: usize,
    /// redb's page cache, in bytes.
    pub cache_bytes: usize,
    /// Verify the whole file when it is opened.
    pub check_integrity_on_open: bool,
}

impl Default for WalConfig {
    fn default() -> Self {
        Self {
            fsync: true,
            ttl: Duration::from_secs(7 * 24 * 3600),
            compact_interval: Duration::from_secs(3600),
            compact_confirmed: 100_000,
            max_file_bytes: 256 * 1024 * 1024,
            lease_duration: Duration::from_secs(60),
            replay_batch: 512,
            cache_bytes: 32 * 1024 * 1024,
            check_integrity_on_open: true,
        }
    }
}

/// The id of a replayer that holds (or asks for) the replay lease, e.g. host name and
/// process id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LeaseOwner(Box<str>);

impl LeaseOwner {
    /// The longest accepted id, in bytes.
    pub const MAX_LEN: usize = 256;

    /// Validates an owner id: 1–256 bytes, no control characters.
    pub fn new(id: impl AsRef<str>) -> Result<Self, WalError> {
        let id = id.as_ref();
        if id.trim().is_empty() || id.len() > Self::MAX_LEN || id.chars().any(char::is_control) {
            return Err(WalError::InvalidOwner { max: Self::MAX_LEN });
        }
        Ok(Self(id.into()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LeaseOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LeaseOwner({:?})", &*self.0)
    }
}

impl fmt::Display for LeaseOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
