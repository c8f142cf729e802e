//! Validating and restoring a backup. Restores go into a new file only: the import
//! runs into `<target>.restoring`, every table is checked against the manifest (row
//! count and fingerprint), and only then is the file renamed to `target` and opened
//! as a store (which runs the migrations a backup of an older schema needs).

use std::path::{Path, PathBuf};

use duckdb::{Config, Connection};
use serde::Serialize;

use super::create::{fingerprint, literal, tables};
use super::manifest::{hash_file, list_files, BackupManifest, TableEntry};
use super::{io, BackupError};
use crate::config::StoreConfig;
use crate::schema::SCHEMA_VERSION;
use crate::store::Store;

/// What a restore produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RestoreReport {
    /// The restored database file.
    pub path: PathBuf,
    /// The backup's schema version.
    pub backup_schema_version: u32,
    /// The file's schema version after opening (migrations applied).
    pub schema_version: u32,
    /// Every table with the rows restored (equal to the manifest's).
    pub tables: Vec<TableEntry>,
}

/// Checks that the backup in `dir` is complete and unchanged: every file the manifest
/// lists is present with its size and SHA-256, and no other file was added.
///
/// # Errors
/// [`BackupError::Tampered`], [`BackupError::MissingFile`],
/// [`BackupError::UnexpectedFile`], [`BackupError::Manifest`],
/// [`BackupError::NewerSchema`].
pub fn validate_backup(dir: &Path) -> Result<BackupManifest, BackupError> {
    let m = BackupManifest::read(dir)?;
    if m.schema_version > SCHEMA_VERSION {
        return Err(BackupError::NewerSchema {
            found: m.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    let present = list_files(dir)?;
    for f in &m.files {
        if present.binary_search(&f.path).is_err() {
            return Err(BackupError::MissingFile(f.path.clone()));
        }
        let (sha256, bytes) = hash_file(&dir.join(&f.path))?;
        if sha256 != f.sha256 || bytes != f.bytes {
            return Err(BackupError::Tampered {
                file: f.path.clone(),
                expected: f.sha256.clone(),
                actual: sha256,
            });
        }
    }
    if let Some(extra) = present
        .iter()
        .find(|p| !m.files.iter().any(|f| &f.path == *p))
    {
        return Err(BackupError::UnexpectedFile(extra.clone()));
    }
    Ok(m)
}

fn remove_if_exists(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

/// Restores the backup in `dir` into the new database file `target`.
///
/// # Errors
/// Everything [`validate_backup`] refuses; [`BackupError::TargetExists`] when
/// `target` exists; [`BackupError::Mismatch`] when the imported data differs from the
/// manifest (the partial file is then removed).
pub fn restore_backup(dir: &Path, target: &Path) -> Result<RestoreReport, BackupError> {
    let manifest = validate_backup(dir)?;
    if target.exists() {
        return Err(BackupError::TargetExists(target.to_path_buf()));
    }
    let mut partial = target.as_os_str().to_owned();
    partial.push(".restoring");
    let partial = PathBuf::from(partial);
    let mut partial_wal = partial.as_os_str().to_owned();
    partial_wal.push(".wal");
    let partial_wal = PathBuf::from(partial_wal);
    remove_if_exists(&partial)?;
    remove_if_exists(&partial_wal)?;
    let imported = import(dir, &partial, &manifest);
    if let Err(e) = imported {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(&partial_wal);
        return Err(e);
    }
    std::fs::rename(&partial, target).map_err(io(target))?;
    let store = Store::open(StoreConfig::file(target))?;
    Ok(RestoreReport {
        path: target.to_path_buf(),
        backup_schema_version: manifest.schema_version,
        schema_version: store.schema_version(),
        tables: manifest.tables,
    })
}

fn import(dir: &Path, partial: &Path, manifest: &BackupManifest) -> Result<(), BackupError> {
    let source = dir.to_str().ok_or_else(|| BackupError::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "path is not UTF-8"),
    })?;
    let config = Config::default().enable_autoload_extension(false)?;
    let conn = Connection::open_with_flags(partial, config)?;
    conn.execute_batch(
        "SET autoinstall_known_extensions = false; SET autoload_known_extensions = false;",
    )?;
    conn.execute_batch(&format!("IMPORT DATABASE {}", literal(source)))?;
    let restored = tables(&conn)?;
    for expected in &manifest.tables {
        if !restored.contains(&expected.name) {
            return Err(BackupError::Mismatch {
                table: expected.name.clone(),
                detail: "table missing".into(),
            });
        }
        let got = fingerprint(&conn, &expected.name)?;
        if got != *expected {
            return Err(BackupError::Mismatch {
                table: expected.name.clone(),
                detail: format!(
                    "expected {} rows (fingerprint {}), found {} (fingerprint {})",
                    expected.rows, expected.fingerprint, got.rows, got.fingerprint
                ),
            });
        }
    }
    if let Some(extra) = restored
        .iter()
        .find(|t| !manifest.tables.iter().any(|e| &e.name == *t))
    {
        return Err(BackupError::Mismatch {
            table: extra.clone(),
            detail: "table not in the manifest".into(),
        });
    }
    conn.execute_batch("CHECKPOINT")?;
    Ok(())
}
