//! The WAL's errors: one enum for every operation, with the file named where it matters,
//! and the decoding errors of a single stored entry.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::WalSeq;

/// Everything that can go wrong with the write-ahead log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalError {
    /// The file could not be opened or created (missing directory, permissions, a
    /// directory in its place…).
    #[error("cannot open the WAL file {path}: {source}")]
    Open {
        /// The WAL file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a redb database at all.
    #[error("{path} is not a WAL file (it is not a redb database); move it away or set another WAL path")]
    NotAWal {
        /// The file.
        path: PathBuf,
    },
    /// The file is a redb database, but its pages fail their checksums or its structure is
    /// broken.
    #[error("the WAL file {path} is corrupt ({detail}); move it away to start a new WAL, the unconfirmed events in it are lost")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What redb found.
        detail: String,
    },
    /// The file is a redb database written by something else.
    #[error("{path} is a redb database but not a Cartographus WAL")]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by a newer Cartographus.
    #[error("the WAL file {path} has format {found}; this build reads format {supported}")]
    NewerFormat {
        /// The file.
        path: PathBuf,
        /// The format recorded in the file.
        found: u64,
        /// The newest format this build reads.
        supported: u64,
    },
    /// Another process has the file open.
    #[error("the WAL file {path} is in use by another process")]
    Locked {
        /// The file.
        path: PathBuf,
    },
    /// redb failed while reading or writing.
    #[error("WAL storage error: {0}")]
    Storage(#[source] redb::Error),
    /// An event of an appended batch could not be serialised.
    #[error("event {index} of the appended batch cannot be serialised: {source}")]
    Encode {
        /// Its position in the batch.
        index: usize,
        /// The serialiser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A stored entry could not be read back.
    #[error("WAL entry {seq} cannot be decoded: {source}")]
    Decode {
        /// The entry.
        seq: WalSeq,
        /// What is wrong with it.
        #[source]
        source: DecodeError,
    },
    /// The lease or state record cannot be decoded.
    #[error("a WAL bookkeeping record cannot be decoded: {0}")]
    BadRecord(#[source] DecodeError),
    /// Another replayer holds the lease.
    #[error("the WAL replay lease is held by {holder:?} until {until}")]
    LeaseHeld {
        /// The holder's id.
        holder: String,
        /// When its lease runs out.
        until: DateTime<Utc>,
    },
    /// The lease expired and was taken, released or never granted.
    #[error("the WAL replay lease of {owner:?} is no longer held")]
    LeaseLost {
        /// The owner that lost it.
        owner: String,
    },
    /// A lease owner id was empty, too long or held control characters.
    #[error("a WAL lease owner id must be 1–{max} bytes without control characters")]
    InvalidOwner {
        /// The longest accepted id, in bytes.
        max: usize,
    },
    /// 2^64 entries have been appended.
    #[error("the WAL's sequence numbers are exhausted")]
    SeqExhausted,
}

/// What is wrong with one stored entry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The entry has no payload or bookkeeping record.
    #[error("the entry is incomplete: its {part} is missing")]
    Missing {
        /// Which part (`payload`, `record`).
        part: &'static str,
    },
    /// The payload starts with an unknown format tag.
    #[error("unknown payload format {0}")]
    UnknownFormat(u8),
    /// The payload is not a valid event.
    #[error("the payload is not a valid event: {0}")]
    Json(#[source] serde_json::Error),
    /// A bookkeeping record has the wrong length or an impossible time.
    #[error("a {record} record is malformed")]
    Record {
        /// Which record (`entry`, `dead letter`, `lease`).
        record: &'static str,
    },
}

macro_rules! from_redb {
    ($($t:ty),+) => {$(
        impl From<$t> for WalError {
            fn from(e: $t) -> Self {
                WalError::Storage(redb::Error::from(e))
            }
        }
    )+};
}

from_redb!(
    redb::Error,
    redb::StorageError,
    redb::TransactionError,
    redb::TableError,
    redb::CommitError,
    redb::CompactionError,
    redb::SetDurabilityError
);

/// Maps a failure to open the file to the clearest error.
pub(super) fn open_error(path: &std::path::Path, e: redb::DatabaseError) -> WalError {
    let path = path.to_path_buf();
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen | redb::DatabaseError::LockProtocolMismatch => {
            WalError::Locked { path }
        }
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(detail)) => {
            WalError::Corrupt { path, detail }
        }
        redb::DatabaseError::Storage(redb::StorageError::Io(source))
            if source.kind() == std::io::ErrorKind::InvalidData =>
        {
            WalError::NotAWal { path }
        }
        redb::DatabaseError::Storage(redb::StorageError::Io(source))
            if source.kind() == std::io::ErrorKind::UnexpectedEof =>
        {
            WalError::Corrupt {
                path,
                detail: "the file ends early".to_owned(),
            }
        }
        redb::DatabaseError::Storage(redb::StorageError::Io(source)) => {
            WalError::Open { path, source }
        }
        redb::DatabaseError::Storage(redb::StorageError::ValueTooLarge(_)) => WalError::Corrupt {
            path,
            detail: "a value is larger than redb allows".to_owned(),
        },
        other => WalError::Storage(other.into()),
    }
}
