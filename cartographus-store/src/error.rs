//! Errors: one enum per operation ([`OpenError`], [`IngestError`], [`QueryError`],
//! [`GeoIpError`], [`ImportError`]) plus the umbrella [`Error`] that every one of them
//! converts into. The database engine's own error is wrapped in the opaque [`DbError`],
//! so no DuckDB or SQLite type appears in a public signature.

use std::fmt;
use std::path::PathBuf;

/// An error reported by the embedded database engine (DuckDB, or SQLite for the
/// Tautulli reader). Its text is the engine's message; the engine type stays private.
#[derive(Debug)]
pub struct DbError(Inner);

#[derive(Debug)]
enum Inner {
    Duck(duckdb::Error),
    Sqlite(rusqlite::Error),
    Arrow(arrow::error::ArrowError),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Duck(e) => e.fmt(f),
            Inner::Sqlite(e) => e.fmt(f),
            Inner::Arrow(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0 {
            Inner::Duck(e) => e.source(),
            Inner::Sqlite(e) => e.source(),
            Inner::Arrow(e) => e.source(),
        }
    }
}

impl From<duckdb::Error> for DbError {
    fn from(e: duckdb::Error) -> Self {
        DbError(Inner::Duck(e))
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError(Inner::Sqlite(e))
    }
}

impl From<arrow::error::ArrowError> for DbError {
    fn from(e: arrow::error::ArrowError) -> Self {
        DbError(Inner::Arrow(e))
    }
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The file is not a DuckDB database at all (its header lacks DuckDB's magic).
    #[error("{path} is not a DuckDB database file (wrong header)")]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The file exists but is not a DuckDB database (or is damaged beyond reading).
    #[error(
        "{path} is not a readable Cartographus database (corrupt or not a DuckDB file): {source}"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the engine said.
        source: DbError,
    },
    /// The file is a DuckDB database but holds no Cartographus schema while holding
    /// other tables: it belongs to another program.
    #[error(
        "{path} is a DuckDB database of another program (it has tables but no schema_migrations)"
    )]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by a newer Cartographus: opening it would be a silent
    /// downgrade.
    #[error("the store was written with schema version {found}; this build supports up to {supported}: upgrade Cartographus")]
    NewerSchema {
        /// The file's schema version.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// The file is locked by another process (DuckDB allows one writer process).
    #[error("{path} is in use by another process: {source}")]
    Locked {
        /// The file.
        path: PathBuf,
        /// What the engine said.
        source: DbError,
    },
    /// A migration failed; the file is left at the version before it.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        /// The migration's number.
        version: u32,
        /// Its name.
        name: &'static str,
        /// What the engine said.
        source: DbError,
    },
    /// An engine setting was refused (memory limit, threads…).
    #[error("setting {setting} was refused: {source}")]
    Setting {
        /// The setting's name.
        setting: &'static str,
        /// What the engine said.
        source: DbError,
    },
    /// Any other engine error while opening.
    #[error("could not open the store: {0}")]
    Db(#[from] DbError),
}

/// Why a batch could not be ingested. The batch is then stored not at all (the
/// transaction was rolled back); events that were merely invalid are not errors but
/// are counted in [`crate::IngestReport::failed`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The engine failed; nothing of the batch was stored.
    #[error("ingest failed, nothing of the batch was stored: {0}")]
    Db(#[from] DbError),
    /// Reading what the write needed failed.
    #[error(transparent)]
    Read(#[from] QueryError),
    /// The store was opened at an older schema version (see
    /// [`crate::StoreConfig::stop_at_schema_version`]); plays are written only at the
    /// newest one.
    #[error("the store is at schema version {found}; writing plays needs version {needed}")]
    OutdatedSchema {
        /// The version the store is at.
        found: u32,
        /// The version this build writes.
        needed: u32,
    },
}

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The engine failed.
    #[error("query failed: {0}")]
    Db(#[from] DbError),
    /// A stored value could not be turned back into its domain type (a damaged row).
    #[error("stored column {column} holds an invalid value: {detail}")]
    Decode {
        /// The column.
        column: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A pagination cursor was not produced by this store.
    #[error("invalid cursor")]
    BadCursor,
}

/// Why a GeoIP database could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GeoIpError {
    /// The database file could not be read.
    #[error("cannot read GeoIP database {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a MaxMind DB (`.mmdb`).
    #[error("{path} is not a valid MaxMind database: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        detail: String,
    },
    /// A record could not be decoded.
    #[error("GeoIP record for {ip} could not be decoded: {detail}")]
    Decode {
        /// The address looked up.
        ip: std::net::IpAddr,
        /// What the reader said.
        detail: String,
    },
}

/// Why a Tautulli import failed. Rows already committed stay committed; the import
/// resumes after the last committed row next time.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The Tautulli file could not be opened or read.
    #[error("cannot read the Tautulli database {path}: {source}")]
    Source {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: DbError,
    },
    /// The file lacks a table the import needs.
    #[error("the Tautulli database has no {table} table")]
    MissingTable {
        /// The table.
        table: &'static str,
    },
    /// Writing to the store failed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// Reading the store failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The progress callback asked to stop.
    #[error("the import was cancelled after {imported} rows")]
    Cancelled {
        /// Rows committed before the stop.
        imported: u64,
    },
}

/// Any error of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening failed.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// Ingest failed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// A read failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// GeoIP failed.
    #[error(transparent)]
    GeoIp(#[from] GeoIpError),
    /// An import failed.
    #[error(transparent)]
    Import(#[from] ImportError),
}

impl From<duckdb::Error> for QueryError {
    fn from(e: duckdb::Error) -> Self {
        QueryError::Db(e.into())
    }
}

impl From<duckdb::Error> for IngestError {
    fn from(e: duckdb::Error) -> Self {
        IngestError::Db(e.into())
    }
}

impl From<arrow::error::ArrowError> for IngestError {
    fn from(e: arrow::error::ArrowError) -> Self {
        IngestError::Db(e.into())
    }
}

impl From<duckdb::Error> for OpenError {
    fn from(e: duckdb::Error) -> Self {
        OpenError::Db(e.into())
    }
}
