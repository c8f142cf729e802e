//! The backup manifest (`manifest.json`) and the file hashing behind it.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{io, BackupError};

/// The manifest's file name inside a backup folder.
pub(crate) const MANIFEST: &str = "manifest.json";

/// The manifest format this build writes.
pub(crate) const FORMAT: u32 = 1;

/// One table in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TableEntry {
    /// The table's name.
    pub name: String,
    /// Its rows at the snapshot.
    pub rows: u64,
    /// An order-independent fingerprint of its content (XOR of DuckDB's row hashes),
    /// as 16 hex digits.
    pub fingerprint: String,
}

/// One file in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileEntry {
    /// The path relative to the backup folder.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BackupManifest {
    /// The manifest format (1).
    pub format: u32,
    /// When the backup was made (the caller's clock).
    pub created_at: DateTime<Utc>,
    /// The store's schema version.
    pub schema_version: u32,
    /// The DuckDB version that wrote it.
    pub engine_version: String,
    /// Every table with its row count and fingerprint.
    pub tables: Vec<TableEntry>,
    /// Every file with its size and checksum.
    pub files: Vec<FileEntry>,
}

impl BackupManifest {
    /// Rows over all tables.
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// Bytes over all files.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// Reads the manifest of the backup in `dir`.
    pub fn read(dir: &Path) -> Result<Self, BackupError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| BackupError::Manifest {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        let m: BackupManifest = serde_json::from_str(&text).map_err(|e| BackupError::Manifest {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        if m.format != FORMAT {
            return Err(BackupError::Manifest {
                path,
                detail: format!("unknown manifest format {}", m.format),
            });
        }
        Ok(m)
    }

    pub(crate) fn write(&self, dir: &Path) -> Result<(), BackupError> {
        let path = dir.join(MANIFEST);
        let text = serde_json::to_string_pretty(self).map_err(|e| BackupError::Manifest {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        std::fs::write(&path, text).map_err(io(&path))
    }
}

/// A backup found in a folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BackupInfo {
    /// The backup's folder.
    pub path: PathBuf,
    /// The folder's name (`cartographus-20260301T120000Z`).
    pub name: String,
    /// Its manifest.
    pub manifest: BackupManifest,
}

/// SHA-256 of a file, hex, and its size.
pub(crate) fn hash_file(path: &Path) -> Result<(String, u64), BackupError> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(io(path))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    let hex = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, n))
}

/// The files of a backup folder (relative paths, sorted), manifest excluded.
pub(crate) fn list_files(dir: &Path) -> Result<Vec<String>, BackupError> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io(&d))? {
            let entry = entry.map_err(io(&d))?;
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            if rel != MANIFEST {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Every backup directly under `root` with a readable manifest, newest first.
pub fn list_backups(root: &Path) -> Result<Vec<BackupInfo>, BackupError> {
    let mut out = Vec::new();
    if !root.exists() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(root).map_err(io(root))? {
        let path = entry.map_err(io(root))?.path();
        // Hidden folders are backups still being written.
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden || !path.join(MANIFEST).is_file() {
            continue;
        }
        let Ok(manifest) = BackupManifest::read(&path) else {
            continue;
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(BackupInfo {
            path,
            name,
            manifest,
        });
    }
    out.sort_by(|a, b| {
        b.manifest
            .created_at
            .cmp(&a.manifest.created_at)
            .then_with(|| b.name.cmp(&a.name))
    });
    Ok(out)
}
