//! `/backup` (admin only): `POST` makes a consistent snapshot under `backup_dir` and
//! then applies the retention policy, `GET` lists the backups, `GET
//! /backup/{name}/download` streams one as a tar.gz, `POST /backup/{name}/validate`
//! re-checks every file against the manifest, and `POST /backup/{name}/restore`
//! restores into a **new** database file next to the store (the live store keeps
//! running on its file; switching needs a restart with `DUCKDB_PATH` set to it).
//!
//! The retention policy is [`RetentionPolicy::default`] (keep the newest 3, plus the
//! newest of each of 7 days, 4 weeks and 6 months): the configuration has no setting
//! for it yet.

use std::io::Write;
use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use cartographus_store::{
    apply_retention, list_backups, restore_backup, validate_backup, BackupError, BackupInfo,
    RetentionPolicy,
};
use chrono::Utc;
use serde_json::{json, Value};

use super::{require_admin, stream_download, AdminError, Failure};
use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::AppState;

/// The longest backup name accepted.
const MAX_NAME: usize = 100;

/// A backup name as a URL gives it: letters, digits, `-` and `_` only (so never a
/// path: no `/`, `\`, `.` or `..`), not empty, at most 100 bytes.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a client may see of a backup error: checksums and file names inside the
/// backup, never the server's paths or engine messages.
fn refusal(e: BackupError) -> AdminError {
    let unprocessable = |m: String| AdminError::Status(StatusCode::UNPROCESSABLE_ENTITY, m);
    match e {
        BackupError::Tampered { .. }
        | BackupError::MissingFile(_)
        | BackupError::UnexpectedFile(_)
        | BackupError::NewerSchema { .. }
        | BackupError::Mismatch { .. } => unprocessable(e.to_string()),
        BackupError::Manifest { detail, .. } => {
            tracing::warn!(%detail, "unreadable backup manifest");
            unprocessable("the backup has no valid manifest".into())
        }
        BackupError::Exists(_) => {
            ApiError::Conflict("a backup of this second exists already".into()).into()
        }
        BackupError::TargetExists(p) => {
            ApiError::Conflict(format!("the restore target {} exists already", p.display())).into()
        }
        other => ApiError::internal(other).into(),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BackupError> + Send + 'static,
) -> Result<T, AdminError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(refusal)
}

/// The backup called `name` under `root`, or 400 (bad name) / 404.
async fn find(root: PathBuf, name: String) -> Result<BackupInfo, AdminError> {
    if !valid_name(&name) {
        return Err(ApiError::param("name", "not a backup name").into());
    }
    let all = blocking(move || list_backups(&root)).await?;
    all.into_iter()
        .find(|b| b.name == name)
        .ok_or(AdminError::Api(ApiError::NotFound))
}

fn summary(b: &BackupInfo) -> Value {
    json!({
        "name": b.name,
        "created_at": b.manifest.created_at,
        "rows": b.manifest.total_rows(),
        "bytes": b.manifest.total_bytes(),
        "manifest": b.manifest,
    })
}

/// `GET /api/v1/backup`: every backup, newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
) -> Result<Json<Value>, AdminError> {
    require_admin(who)?;
    let root = state.config.backup_dir.clone();
    let all = blocking(move || list_backups(&root)).await?;
    Ok(Json(json!({
        "backups": all.iter().map(summary).collect::<Vec<_>>(),
    })))
}

/// `POST /api/v1/backup`: a new backup, then the retention policy (201).
pub(crate) async fn create(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
) -> Result<(StatusCode, Json<Value>), AdminError> {
    let who = require_admin(who)?;
    let root = state.config.backup_dir.clone();
    let dir = root.clone();
    let manifest = super::super::with_reader(&state, move |r| r.create_backup(&dir, Utc::now()))
        .await?
        .map_err(refusal)?;
    let (made, plan) = blocking(move || {
        let plan = apply_retention(&root, &RetentionPolicy::default())?;
        let made = list_backups(&root)?
            .into_iter()
            .find(|b| b.manifest == manifest);
        Ok((made, plan))
    })
    .await?;
    let made = made.ok_or_else(|| ApiError::internal("the new backup is not listed"))?;
    let names = |dirs: &[PathBuf]| -> Vec<String> {
        dirs.iter()
            .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect()
    };
    tracing::info!(backup = %made.name, by = %who.name, "backup created");
    let mut body = summary(&made);
    if let Some(o) = body.as_object_mut() {
        o.insert(
            "retention".into(),
            json!({
                "policy": RetentionPolicy::default(),
                "kept": names(&plan.keep),
                "removed": names(&plan.remove),
            }),
        );
    }
    Ok((StatusCode::CREATED, Json(body)))
}

/// Writes the folder `dir` as a gzip'd tar whose entries sit under `name/`.
fn write_tar_gz(dir: &Path, name: &str, out: &mut impl Write) -> std::io::Result<()> {
    let gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.follow_symlinks(false);
    tar.append_dir_all(name, dir)?;
    tar.into_inner()?.finish()?.flush()
}

/// `GET /api/v1/backup/{name}/download`: the backup folder as a streamed tar.gz.
pub(crate) async fn download(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    UrlPath(name): UrlPath<String>,
) -> Result<Response, AdminError> {
    require_admin(who)?;
    let backup = find(state.config.backup_dir.clone(), name).await?;
    let filename = format!("{}.tar.gz", backup.name);
    stream_download("application/gzip", &filename, move |mut w| async move {
        tokio::task::spawn_blocking(move || {
            write_tar_gz(&backup.path, &backup.name, &mut w)
                .and_then(|()| w.flush())
                .map_err(Failure::of)
        })
        .await
        .map_err(Failure::of)?
    })
    .await
}

/// `POST /api/v1/backup/{name}/validate`: every file present, unchanged and listed
/// (200 with the manifest), else 422 naming the file.
pub(crate) async fn validate(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    UrlPath(name): UrlPath<String>,
) -> Result<Json<Value>, AdminError> {
    require_admin(who)?;
    let backup = find(state.config.backup_dir.clone(), name).await?;
    let path = backup.path.clone();
    let manifest = blocking(move || validate_backup(&path)).await?;
    Ok(Json(json!({
        "name": backup.name,
        "valid": true,
        "rows": manifest.total_rows(),
        "files": manifest.files.len(),
        "manifest": manifest,
    })))
}

/// Where a restore of `backup` goes: a new file beside the store.
fn restore_target(store: &Path, backup: &str) -> PathBuf {
    let dir = store.parent().unwrap_or_else(|| Path::new("."));
    let stem = store
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "cartographus".into());
    dir.join(format!(
        "{stem}.restored-{backup}-{}.duckdb",
        Utc::now().format("%Y%m%dT%H%M%SZ")
    ))
}

/// `POST /api/v1/backup/{name}/restore`: validates the backup and restores it into a
/// new database file beside the store; answers its path and every table's rows.
pub(crate) async fn restore(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    UrlPath(name): UrlPath<String>,
) -> Result<(StatusCode, Json<Value>), AdminError> {
    let who = require_admin(who)?;
    let backup = find(state.config.backup_dir.clone(), name).await?;
    let target = restore_target(&state.config.store_path, &backup.name);
    let dir = backup.path.clone();
    let report = blocking(move || restore_backup(&dir, &target)).await?;
    tracing::info!(backup = %backup.name, by = %who.name, path = %report.path.display(), "backup restored");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "backup": backup.name,
            "path": report.path,
            "report": report,
            "restart_required": true,
            "note": format!(
                "The backup was restored into a new file; the running server still uses its \
                 own store. To switch to the restored data, stop the server and start it with \
                 DUCKDB_PATH={}.",
                report.path.display()
            ),
        })),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_never_paths() {
        assert!(valid_name("cartographus-20260301T120000Z"));
        for bad in [
            "", "..", "../etc", "a/b", "a\\b", ".hidden", "x.y", "a b", "%2e%2e", "é",
        ] {
            assert!(!valid_name(bad), "{bad:?}");
        }
        assert!(!valid_name(&"a".repeat(MAX_NAME + 1)));
    }

    #[test]
    fn restores_go_beside_the_store_under_a_new_name() {
        let t = restore_target(Path::new("/data/c.duckdb"), "cartographus-x");
        assert_eq!(t.parent(), Some(Path::new("/data")));
        let n = t.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            n.starts_with("c.restored-cartographus-x-") && n.ends_with(".duckdb"),
            "{n}"
        );
    }
}
