//! Import of a Tautulli database (`tautulli.db`, older installs `plexpy.db`).
//!
//! Rows of `session_history` are read in id order, in batches (122,880 by default),
//! joined with their metadata and media info, turned into events of source
//! `tautulli`, geolocated, and stored through the normal deduplicating ingest; each
//! batch commits together with the import checkpoint (the last row id), so an
//! interrupted import resumes after the last committed batch. A dry run does all of
//! it inside transactions that are rolled back, and reports what would have happened.

mod map;
mod source;

use std::ops::ControlFlow;
use std::path::PathBuf;

use cartographus_core::{derive_user_id, ExternalUserId, Platform, ServerId};
use serde::Serialize;

use crate::entities::UserRecord;
use crate::error::{ImportError, IngestError, QueryError};
use crate::geoip::GeoResolver;
use crate::ingest::{append_in_tx, DuplicateCounts};
use crate::store::Store;

use source::TautulliDb;

const IMPORTER: &str = "tautulli";

/// Rows per import transaction by default (one DuckDB row group).
const DEFAULT_BATCH: usize = 122_880;

/// What to import and how.
///
/// ## Defaults
/// - `batch_size`: 122,880 rows per transaction: one DuckDB row group, so full row
///   groups are written to the file directly instead of through the write-ahead log.
/// - `dry_run`: false.
/// - `resume`: true — continue after the last row a previous import committed.
/// - `watched_percent`: 90 — a play this far through its item counts as watched.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TautulliImport {
    /// The Tautulli SQLite file.
    pub path: PathBuf,
    /// The Plex server the history belongs to (the id live Plex ingestion uses, so the
    /// two paths recognise each other's plays).
    pub server_id: ServerId,
    /// Rows per batch (at least 1).
    pub batch_size: usize,
    /// Read and check everything, store nothing.
    pub dry_run: bool,
    /// Continue after the last committed row of an earlier import.
    pub resume: bool,
    /// The watched threshold, in percent.
    pub watched_percent: f64,
}

impl TautulliImport {
    /// An import of `path` into server `server_id`, with the defaults.
    pub fn new(path: impl Into<PathBuf>, server_id: ServerId) -> Self {
        Self {
            path: path.into(),
            server_id,
            batch_size: DEFAULT_BATCH,
            dry_run: false,
            resume: true,
            watched_percent: 90.0,
        }
    }

    /// Sets dry-run mode.
    pub fn with_dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Sets the batch size.
    pub fn with_batch_size(mut self, rows: usize) -> Self {
        self.batch_size = rows.max(1);
        self
    }

    /// Starts from the first row, ignoring an earlier import's checkpoint.
    pub fn from_start(mut self) -> Self {
        self.resume = false;
        self
    }
}

/// Where an import is, reported after every batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ImportProgress {
    /// History rows this run will read.
    pub total_rows: u64,
    /// Rows read so far.
    pub rows_read: u64,
    /// Plays stored so far.
    pub inserted: u64,
    /// Duplicates so far (already stored, e.g. by live ingestion).
    pub duplicates: u64,
    /// Rows refused as invalid so far.
    pub failed: u64,
    /// Rows without a start, user or item, skipped.
    pub skipped: u64,
    /// The last history row id handled.
    pub last_row_id: i64,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ImportReport {
    /// The row id the run started after (0: from the beginning).
    pub resumed_after: i64,
    /// Rows read.
    pub rows_read: u64,
    /// Plays stored (or, in a dry run, that would have been).
    pub inserted: u64,
    /// Duplicates by layer.
    pub duplicates: DuplicateCounts,
    /// Rows refused as invalid.
    pub failed: u64,
    /// Rows without a start, user or item.
    pub skipped: u64,
    /// The last row id handled.
    pub last_row_id: i64,
    /// Whether nothing was stored.
    pub dry_run: bool,
}

impl Store {
    /// Imports a Tautulli history (see the module docs). `progress` is called after
    /// every batch; returning [`ControlFlow::Break`] stops the import after that batch
    /// with [`ImportError::Cancelled`] (committed batches stay, and a later import
    /// resumes after them).
    pub fn import_tautulli(
        &mut self,
        job: &TautulliImport,
        mut geo: Option<&mut GeoResolver>,
        progress: &mut dyn FnMut(&ImportProgress) -> ControlFlow<()>,
    ) -> Result<ImportReport, ImportError> {
        self.check_writable()?;
        let db = TautulliDb::open(&job.path)?;
        let src_err = |e: rusqlite::Error| ImportError::Source {
            path: job.path.clone(),
            source: e.into(),
        };
        let users = db.users().map_err(src_err)?;
        let libraries = db.libraries().map_err(src_err)?;
        let start = if job.resume {
            self.import_checkpoint(&job.server_id)?
        } else {
            0
        };
        let mut report = ImportReport {
            resumed_after: start,
            last_row_id: start,
            dry_run: job.dry_run,
            ..ImportReport::default()
        };
        let mut prog = ImportProgress {
            total_rows: db.count_after(start).map_err(src_err)?,
            last_row_id: start,
            ..ImportProgress::default()
        };
        if !job.dry_run {
            let records: Vec<UserRecord> = users
                .iter()
                .filter_map(|(id, u)| {
                    let ext = ExternalUserId::new(id.to_string()).ok()?;
                    let mut r = UserRecord::new(
                        derive_user_id(Platform::Plex, &job.server_id, &ext),
                        Platform::Plex,
                        job.server_id.clone(),
                        ext,
                        u.username.clone().unwrap_or_else(|| id.to_string()),
                    );
                    r.friendly_name = u.friendly_name.clone();
                    r.email = u.email.clone();
                    r.thumb = u.thumb.clone();
                    r.is_admin = u.is_admin;
                    r.is_home_user = u.is_home_user;
                    Some(r)
                })
                .collect();
            self.upsert_users(&records)?;
        }
        let mapper = map::Mapper {
            server: &job.server_id,
            users: &users,
            libraries: &libraries,
            watched_percent: job.watched_percent,
        };
        let mut after = start;
        loop {
            let mut rows = db.batch(after, job.batch_size.max(1)).map_err(src_err)?;
            if rows.is_empty() {
                break;
            }
            let mut events = Vec::with_capacity(rows.len());
            for row in &mut rows {
                let (id, ev) = mapper.map(row);
                after = after.max(id);
                match ev {
                    Ok(e) => events.push(e),
                    Err(_) => report.skipped += 1,
                }
            }
            report.rows_read += rows.len() as u64;
            if let Some(g) = geo.as_deref_mut() {
                g.enrich(&mut events);
            }
            let conn = self.conn();
            let store_batch = || -> Result<_, IngestError> {
                let tx = conn.unchecked_transaction()?;
                let batch = append_in_tx(conn, &events)?;
                if job.dry_run {
                    tx.rollback()?;
                } else {
                    conn.execute(
                        "INSERT OR REPLACE INTO import_checkpoints VALUES (?, ?, ?,
                           coalesce((SELECT rows_imported FROM import_checkpoints
                                     WHERE importer = ? AND server_id = ?), 0) + ?)",
                        duckdb::params![
                            IMPORTER,
                            job.server_id.as_str(),
                            after,
                            IMPORTER,
                            job.server_id.as_str(),
                            rows.len() as i64
                        ],
                    )?;
                    tx.commit()?;
                }
                Ok(batch)
            };
            let batch = store_batch()?;
            report.inserted += batch.inserted;
            report.duplicates.event_id += batch.duplicates.event_id;
            report.duplicates.correlation_key += batch.duplicates.correlation_key;
            report.duplicates.cross_source += batch.duplicates.cross_source;
            report.failed += batch.failed.len() as u64;
            report.last_row_id = after;
            prog.rows_read = report.rows_read;
            prog.inserted = report.inserted;
            prog.duplicates = report.duplicates.total();
            prog.failed = report.failed;
            prog.skipped = report.skipped;
            prog.last_row_id = after;
            if progress(&prog).is_break() {
                return Err(ImportError::Cancelled {
                    imported: report.inserted,
                });
            }
        }
        Ok(report)
    }

    /// The last Tautulli row id committed for `server` (0 if none).
    pub fn import_checkpoint(&self, server: &ServerId) -> Result<i64, QueryError> {
        let v: Option<i64> = self.conn().query_row(
            "SELECT max(last_row_id) FROM import_checkpoints WHERE importer = ? AND server_id = ?",
            [IMPORTER, server.as_str()],
            |r| r.get(0),
        )?;
        Ok(v.unwrap_or(0))
    }
}
