//! Backups (`/api/v1/backup`): a consistent snapshot of the whole database written with
//! DuckDB's `EXPORT DATABASE … (FORMAT PARQUET)` — the schema, a load script and one
//! ZSTD Parquet file per table — plus a `manifest.json` with the schema version, every
//! table's row count and content fingerprint, and every file's size and SHA-256.
//!
//! - [`Reader::create_backup`](crate::Reader::create_backup) exports the snapshot in
//!   one transaction (what one statement sees), so tables agree with each other even
//!   while plays keep arriving.
//! - [`list_backups`] reads the manifests under a folder, newest first.
//! - [`validate_backup`] re-hashes every file: a changed, missing or extra file is
//!   refused with [`BackupError::Tampered`], [`BackupError::MissingFile`] or
//!   [`BackupError::UnexpectedFile`].
//! - [`restore_backup`] validates, imports into a **new** file (never over an existing
//!   one), checks every table's row count and fingerprint against the manifest, and
//!   only then moves the file into place.
//! - [`plan_retention`] / [`apply_retention`] keep the newest N backups plus the newest
//!   of each of the last D days, W ISO weeks and M months (UTC), like `restic forget`.

mod create;
mod manifest;
mod restore;
mod retention;

pub use manifest::{list_backups, BackupInfo, BackupManifest, FileEntry, TableEntry};
pub use restore::{restore_backup, validate_backup, RestoreReport};
pub use retention::{apply_retention, plan_retention, RetentionPlan, RetentionPolicy};

use std::path::PathBuf;

use crate::error::DbError;

/// Why a backup could not be made, read, validated or restored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// A file could not be read or written.
    #[error("backup I/O on {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The engine failed.
    #[error("the engine failed during the backup: {0}")]
    Db(#[from] DbError),
    /// The backup folder exists already.
    #[error("the backup folder {0} exists already")]
    Exists(PathBuf),
    /// The folder has no readable `manifest.json`.
    #[error("{path} has no valid backup manifest: {detail}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What was wrong with it.
        detail: String,
    },
    /// A file's content differs from what the manifest recorded: the backup was
    /// changed after it was written (or damaged), and is refused.
    #[error("backup file {file} was modified: SHA-256 {actual} does not match the manifest's {expected}")]
    Tampered {
        /// The file, relative to the backup folder.
        file: String,
        /// The checksum in the manifest.
        expected: String,
        /// The checksum of the file now.
        actual: String,
    },
    /// A file listed in the manifest is missing.
    #[error("backup file {0} listed in the manifest is missing")]
    MissingFile(String),
    /// A file not listed in the manifest was added to the backup.
    #[error("backup holds {0}, which the manifest does not list")]
    UnexpectedFile(String),
    /// The backup was written by a newer schema than this build supports.
    #[error("the backup has schema version {found}; this build supports up to {supported}")]
    NewerSchema {
        /// The backup's schema version.
        found: u32,
        /// The newest this build knows.
        supported: u32,
    },
    /// The restore target exists already (restores never overwrite).
    #[error("the restore target {0} exists already")]
    TargetExists(PathBuf),
    /// After the import a table's row count or fingerprint differs from the manifest.
    #[error("restored table {table} does not match the backup: {detail}")]
    Mismatch {
        /// The table.
        table: String,
        /// Expected and found values.
        detail: String,
    },
    /// Opening the restored file as a store failed.
    #[error(transparent)]
    Open(#[from] crate::error::OpenError),
}

impl From<duckdb::Error> for BackupError {
    fn from(e: duckdb::Error) -> Self {
        BackupError::Db(e.into())
    }
}

pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}
