//! Settings of a [`crate::Store`]: where it lives and how much of the machine the
//! engine may use. Values are validated when they are built, so a `StoreConfig` that
//! exists is one DuckDB accepts.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// A database file (created if missing). DuckDB keeps a `.wal` file beside it.
    File(PathBuf),
    /// In memory only: gone when the store is dropped. For tests and tools.
    InMemory,
}

/// A memory limit for the engine, e.g. `512MB`, `2GiB` (what `DUCKDB_MAX_MEMORY` holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit {
    bytes: u64,
}

/// Why a text is not a memory limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryLimitError {
    /// The number part is missing or not a whole number.
    #[error("{0:?} does not start with a whole number")]
    Number(String),
    /// The unit is not one of B, KB, MB, GB, TB, KiB, MiB, GiB, TiB.
    #[error("{0:?} has an unknown unit (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)")]
    Unit(String),
    /// The limit is below 16 MiB, too small for the engine to work.
    #[error("a memory limit of {0} bytes is below the 16 MiB minimum")]
    TooSmall(u64),
}

impl MemoryLimit {
    /// The smallest limit accepted.
    pub const MIN_BYTES: u64 = 16 * 1024 * 1024;

    /// A limit of `bytes` bytes.
    pub fn from_bytes(bytes: u64) -> Result<Self, MemoryLimitError> {
        if bytes < Self::MIN_BYTES {
            return Err(MemoryLimitError::TooSmall(bytes));
        }
        Ok(Self { bytes })
    }

    /// The limit in bytes.
    pub fn bytes(self) -> u64 {
        self.bytes
    }
}

impl FromStr for MemoryLimit {
    type Err = MemoryLimitError;
    fn from_str(s: &str) -> Result<Self, MemoryLimitError> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: u64 = num
            .parse()
            .map_err(|_| MemoryLimitError::Number(s.chars().take(32).collect()))?;
        let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kb" | "k" => 1000,
            "mb" | "m" => 1000 * 1000,
            "gb" | "g" => 1000 * 1000 * 1000,
            "tb" | "t" => 1000 * 1000 * 1000 * 1000,
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            "tib" => 1 << 40,
            _ => return Err(MemoryLimitError::Unit(s.chars().take(32).collect())),
        };
        Self::from_bytes(n.saturating_mul(mult))
    }
}

impl fmt::Display for MemoryLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}B", self.bytes)
    }
}

/// Settings of a [`crate::Store`].
///
/// ## Defaults
/// - `max_memory`: `None` — DuckDB's own default (80 % of RAM).
/// - `threads`: `None` — DuckDB's own default (one per core).
/// - `stop_at_schema_version`: `None` — migrate to the newest schema.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreConfig {
    /// File or memory.
    pub location: Location,
    /// The engine's memory limit.
    pub max_memory: Option<MemoryLimit>,
    /// The engine's worker threads (at least 1).
    pub threads: Option<u16>,
    /// Migrate no further than this version. Only for upgrade tests and tools that
    /// inspect files as an older release left them; such a store can be read, but
    /// writing plays to it is refused ([`crate::IngestError::OutdatedSchema`]). The
    /// server leaves it `None`.
    pub stop_at_schema_version: Option<u32>,
}

impl StoreConfig {
    /// A store in the file at `path`, with engine defaults.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            location: Location::File(path.into()),
            max_memory: None,
            threads: None,
            stop_at_schema_version: None,
        }
    }

    /// A store in memory, with engine defaults.
    pub fn in_memory() -> Self {
        Self {
            location: Location::InMemory,
            max_memory: None,
            threads: None,
            stop_at_schema_version: None,
        }
    }

    /// Sets the memory limit.
    pub fn with_max_memory(mut self, limit: MemoryLimit) -> Self {
        self.max_memory = Some(limit);
        self
    }

    /// Sets the worker threads (0 is taken as 1).
    pub fn with_threads(mut self, threads: u16) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Stops migrating at `version` (see the field's docs).
    pub fn with_stop_at_schema_version(mut self, version: u32) -> Self {
        self.stop_at_schema_version = Some(version);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_limits_parse() {
        assert_eq!("512MB".parse::<MemoryLimit>().unwrap().bytes(), 512_000_000);
        assert_eq!("2GiB".parse::<MemoryLimit>().unwrap().bytes(), 2 << 30);
        assert_eq!(
            " 1 gb ".parse::<MemoryLimit>().unwrap().bytes(),
            1_000_000_000
        );
        assert!(matches!(
            "1KB".parse::<MemoryLimit>(),
            Err(MemoryLimitError::TooSmall(1000))
        ));
        assert!(matches!(
            "lots".parse::<MemoryLimit>(),
            Err(MemoryLimitError::Number(_))
        ));
        assert!(matches!(
            "5 parsecs".parse::<MemoryLimit>(),
            Err(MemoryLimitError::Unit(_))
        ));
    }
}
