//! Making a backup: `EXPORT DATABASE` into a hidden partial folder, row counts and
//! fingerprints read in the same transaction, file checksums, the manifest, and a
//! rename into place — a crash never leaves a folder that looks like a backup.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::manifest::{hash_file, list_files, BackupManifest, FileEntry, TableEntry, FORMAT};
use super::{io, BackupError};
use crate::store::Reader;

/// A path or name as a SQL string literal.
pub(crate) fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A table name as a quoted SQL identifier.
pub(crate) fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The user tables of the open database, sorted.
pub(crate) fn tables(conn: &duckdb::Connection) -> Result<Vec<String>, duckdb::Error> {
    let mut stmt = conn.prepare(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()
         AND schema_name = 'main' AND NOT temporary ORDER BY table_name",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// Row count and content fingerprint of `table`.
pub(crate) fn fingerprint(
    conn: &duckdb::Connection,
    table: &str,
) -> Result<TableEntry, duckdb::Error> {
    let sql = format!(
        "SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {} t",
        ident(table)
    );
    conn.query_row(&sql, [], |r| {
        Ok(TableEntry {
            name: table.to_owned(),
            rows: r.get::<_, i64>(0)?.max(0) as u64,
            fingerprint: format!("{:016x}", r.get::<_, u64>(1)?),
        })
    })
}

impl Reader {
    /// Writes a backup of the whole database into a new folder under `root`, named
    /// after `now` (`cartographus-20260301T120000Z`), and returns its manifest.
    ///
    /// # Errors
    /// [`BackupError::Exists`] when a backup of that second exists already; I/O and
    /// engine errors otherwise (the partial folder is then removed).
    pub fn create_backup(
        &self,
        root: &Path,
        now: DateTime<Utc>,
    ) -> Result<BackupManifest, BackupError> {
        let name = format!("cartographus-{}", now.format("%Y%m%dT%H%M%SZ"));
        let dir = root.join(&name);
        if dir.exists() {
            return Err(BackupError::Exists(dir));
        }
        std::fs::create_dir_all(root).map_err(io(root))?;
        let partial = root.join(format!(".{name}.partial"));
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(io(&partial))?;
        }
        let result = self.export_into(&partial, now);
        let manifest = match result {
            Ok(m) => m,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&partial);
                return Err(e);
            }
        };
        std::fs::rename(&partial, &dir).map_err(io(&dir))?;
        Ok(manifest)
    }

    fn export_into(
        &self,
        partial: &Path,
        now: DateTime<Utc>,
    ) -> Result<BackupManifest, BackupError> {
        let target = partial.to_str().ok_or_else(|| BackupError::Io {
            path: partial.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "path is not UTF-8"),
        })?;
        // Folding the WAL into the file first keeps the snapshot quick; it is only an
        // optimisation (another transaction may make the engine skip it).
        let _ = self.conn.execute_batch("CHECKPOINT");
        self.conn.execute_batch("BEGIN TRANSACTION")?;
        let inside = || -> Result<(Vec<TableEntry>, u32, String), BackupError> {
            self.conn.execute_batch(&format!(
                "EXPORT DATABASE {} (FORMAT PARQUET, COMPRESSION ZSTD)",
                literal(target)
            ))?;
            let mut entries = Vec::new();
            for t in tables(&self.conn)? {
                entries.push(fingerprint(&self.conn, &t)?);
            }
            let version = crate::schema::current_version(&self.conn)?;
            let engine: String = self.conn.query_row("SELECT version()", [], |r| r.get(0))?;
            Ok((entries, version, engine))
        };
        let (tables, schema_version, engine_version) = match inside() {
            Ok(v) => {
                self.conn.execute_batch("COMMIT")?;
                v
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        };
        let mut files = Vec::new();
        for rel in list_files(partial)? {
            let (sha256, bytes) = hash_file(&partial.join(&rel))?;
            files.push(FileEntry {
                path: rel,
                bytes,
                sha256,
            });
        }
        let manifest = BackupManifest {
            format: FORMAT,
            created_at: now,
            schema_version,
            engine_version,
            tables,
            files,
        };
        manifest.write(partial)?;
        Ok(manifest)
    }
}
