//! `POST /import/tautulli` (admin): a Tautulli database (`tautulli.db`) given as a
//! path on the server (`{"path": "…", "server_id": "…"}`) or uploaded as multipart
//! (`file`, optional `server_id`; at most `max_upload_bytes`, written to disk as it
//! arrives), imported by the store's Tautulli importer **through the single store
//! writer** (one `WriteOp::Exec`, never a second write connection). Progress goes to
//! the hub as `import_progress` messages and is kept for `GET /import/status`; a second
//! import while one runs is refused with 409.
//!
//! The answer comes once the import has read its first batch (or finished): a file
//! that is not a Tautulli database is refused with 4xx before anything is stored.
//! The plays are attributed to `server_id`, else to `[tautulli] plex_server` from the
//! configuration; GeoIP uses the configured databases and location overrides.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::{Extension, Json};
use cartographus_core::ServerId;
use cartographus_store::{ImportError, ImportProgress, ImportReport, TautulliImport};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use super::{require_admin, AdminError};
use crate::auth::Principal;
use crate::http::error::ApiError;
use crate::http::AppState;
use crate::hub::MessageType;
use crate::pipeline::WriteOp;

/// The first bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// The largest JSON body accepted.
const MAX_JSON: usize = 64 * 1024;

/// Where an import is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Phase {
    /// No import since the server started.
    #[default]
    Idle,
    /// Importing.
    Running,
    /// Finished.
    Done,
    /// Stopped with an error (committed batches stay; a new import resumes after them).
    Failed,
}

/// The latest import's state, as `/import/status` and `import_progress` show it.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct ImportStatus {
    /// Where it is.
    state: Phase,
    /// Whether it is running.
    running: bool,
    /// What is imported (`tautulli_db`).
    source: &'static str,
    /// The file's name (an upload's is `upload`).
    file: Option<String>,
    /// The Plex server the plays are attributed to.
    server_id: Option<String>,
    /// History rows read.
    read: u64,
    /// History rows to read.
    total: Option<u64>,
    /// Plays stored.
    inserted: u64,
    /// Plays already stored (by live ingestion or an earlier import).
    duplicates: u64,
    /// Rows without a start, user or item.
    skipped: u64,
    /// Rows refused as invalid.
    failed: u64,
    /// When it started.
    started_at: Option<DateTime<Utc>>,
    /// When it ended.
    finished_at: Option<DateTime<Utc>>,
    /// The importer's report, at the end.
    report: Option<ImportReport>,
    /// Why it failed.
    error: Option<String>,
}

impl ImportStatus {
    fn progress(&mut self, p: &ImportProgress) {
        self.read = p.rows_read;
        self.total = Some(p.total_rows);
        self.inserted = p.inserted;
        self.duplicates = p.duplicates;
        self.skipped = p.skipped;
        self.failed = p.failed;
    }
}

/// The one import status of this process (one process serves one store).
fn status() -> MutexGuard<'static, ImportStatus> {
    static STATUS: OnceLock<Mutex<ImportStatus>> = OnceLock::new();
    STATUS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `GET /api/v1/import/status`: the latest import's progress.
pub(crate) async fn status_route() -> Json<ImportStatus> {
    Json(status().clone())
}

/// Deletes an uploaded file when the import (or the refused request) is done with it.
struct Upload(PathBuf);

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The JSON form of a request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathBody {
    path: String,
    #[serde(default)]
    server_id: Option<String>,
}

/// A database to import: its path, the upload to delete afterwards, the server.
struct Job {
    path: PathBuf,
    file: String,
    upload: Option<Upload>,
    server_id: Option<String>,
}

fn too_large(limit: usize) -> AdminError {
    AdminError::Status(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the upload exceeds the limit of {limit} bytes (max_upload_bytes)"),
    )
}

/// Writes the multipart `file` field to a new file under the store's folder, bounded
/// by `max_upload_bytes`.
async fn receive_upload(state: &AppState, req: Request) -> Result<Job, AdminError> {
    let limit = state.config.max_upload_bytes;
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("invalid multipart body: {e}")))?;
    let dir = state
        .config
        .store_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("imports"), |d| d.join("imports"));
    let mut job = Job {
        path: PathBuf::new(),
        file: "upload".into(),
        upload: None,
        server_id: None,
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!("invalid multipart body: {e}"))
    };
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("server_id") => {
                let text = field.text().await.map_err(bad)?;
                if text.len() > 256 {
                    return Err(ApiError::param("server_id", "too long").into());
                }
                job.server_id = Some(text);
            }
            Some("file") if job.upload.is_none() => {
                tokio::fs::create_dir_all(&dir)
                    .await
                    .map_err(ApiError::internal)?;
                let path = dir.join(format!("upload-{}.db", uuid::Uuid::new_v4()));
                let guard = Upload(path.clone());
                let mut out = tokio::fs::File::create(&path)
                    .await
                    .map_err(ApiError::internal)?;
                let mut written = 0usize;
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    written = written.saturating_add(chunk.len());
                    if written > limit {
                        return Err(too_large(limit));
                    }
                    out.write_all(&chunk).await.map_err(ApiError::internal)?;
                }
                out.flush().await.map_err(ApiError::internal)?;
                job.path = path;
                job.upload = Some(guard);
            }
            Some(other) => {
                return Err(
                    ApiError::param(other, "unknown form field (expected file, server_id)").into(),
                )
            }
            None => return Err(ApiError::BadRequest("a form field has no name".into()).into()),
        }
    }
    if job.upload.is_none() {
        return Err(ApiError::param("file", "is required: the tautulli.db to import").into());
    }
    Ok(job)
}

async fn read_request(state: &AppState, req: Request) -> Result<Job, AdminError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        return receive_upload(state, req).await;
    }
    if !content_type.starts_with("application/json") {
        return Err(AdminError::Status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send JSON {\"path\": \"/path/to/tautulli.db\"} or a multipart upload with a \
             `file` field"
                .into(),
        ));
    }
    let bytes = axum::body::to_bytes(req.into_body(), MAX_JSON)
        .await
        .map_err(|_| ApiError::BadRequest(format!("the JSON body exceeds {MAX_JSON} bytes")))?;
    let body: PathBody = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
    let path = PathBuf::from(body.path.trim());
    if path.as_os_str().is_empty() {
        return Err(ApiError::param("path", "is empty").into());
    }
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|_| ApiError::param("path", "no such file on the server"))?;
    if !meta.is_file() {
        return Err(ApiError::param("path", "is not a file").into());
    }
    let file = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    Ok(Job {
        path,
        file,
        upload: None,
        server_id: body.server_id,
    })
}

/// Refuses a file that does not start like a SQLite database.
async fn check_sqlite(job: &Job) -> Result<(), AdminError> {
    let field = if job.upload.is_some() { "file" } else { "path" };
    let mut head = [0u8; 16];
    let mut f = tokio::fs::File::open(&job.path)
        .await
        .map_err(|_| ApiError::param(field, "cannot be read"))?;
    if f.read_exact(&mut head).await.is_err() || &head != SQLITE_MAGIC {
        return Err(ApiError::param(field, "is not a SQLite database").into());
    }
    Ok(())
}

fn server_id(state: &AppState, given: Option<&str>) -> Result<ServerId, ApiError> {
    let configured = state
        .config
        .tautulli
        .as_ref()
        .map(|t| t.plex_server.trim())
        .filter(|s| !s.is_empty());
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse()
            .map_err(|_| ApiError::param("server_id", "not a valid server id")),
        None => configured
            .ok_or_else(|| {
                ApiError::param(
                    "server_id",
                    "is required (the Plex server the history belongs to) unless \
                     [tautulli] plex_server is configured",
                )
            })?
            .parse()
            .map_err(|_| ApiError::internal("[tautulli] plex_server is not a valid server id")),
    }
}

/// How the import's start went, for the answer.
enum Start {
    /// It has read a batch, or finished.
    Going,
    /// The file is not a usable Tautulli database (422).
    Refused(String),
    /// The store failed (500).
    Failed(String),
}

fn classify(e: &ImportError) -> Start {
    match e {
        ImportError::Source { source, .. } => {
            Start::Refused(format!("cannot read the Tautulli database: {source}"))
        }
        ImportError::MissingTable { .. } => Start::Refused(e.to_string()),
        other => Start::Failed(other.to_string()),
    }
}

/// `POST /api/v1/import/tautulli`: starts an import (202 with its status).
pub(crate) async fn tautulli(
    State(state): State<AppState>,
    req: Request,
) -> Result<(StatusCode, Json<ImportStatus>), AdminError> {
    let who = require_admin(req.extensions().get::<Principal>().cloned().map(Extension))?;
    let writer = state
        .writer
        .clone()
        .ok_or_else(|| ApiError::Unavailable("the store is not open".into()))?;
    let job = read_request(&state, req).await?;
    check_sqlite(&job).await?;
    let server = server_id(&state, job.server_id.as_deref())?;
    let mut geo =
        crate::app::geo_resolver(&state.config, Vec::new()).map_err(ApiError::internal)?;
    {
        let mut st = status();
        if st.running {
            return Err(ApiError::Conflict("an import is already running".into()).into());
        }
        *st = ImportStatus {
            state: Phase::Running,
            running: true,
            source: "tautulli_db",
            file: Some(job.file.clone()),
            server_id: Some(server.as_str().to_owned()),
            started_at: Some(Utc::now()),
            ..ImportStatus::default()
        };
    }
    tracing::info!(file = %job.file, server = %server.as_str(), by = %who.name, "Tautulli import started");
    let hub = state.hub.clone();
    let (first_tx, first_rx) = oneshot::channel::<Start>();
    let Job { path, upload, .. } = job;
    let op = WriteOp::Exec(Box::new(move |store| {
        let _upload = upload;
        let mut first = Some(first_tx);
        let import = TautulliImport::new(path, server);
        let result = store.import_tautulli(&import, Some(&mut geo), &mut |p| {
            let snapshot = {
                let mut st = status();
                st.progress(p);
                st.clone()
            };
            hub.publish(MessageType::ImportProgress, &snapshot);
            if let Some(tx) = first.take() {
                let _ = tx.send(Start::Going);
            }
            ControlFlow::Continue(())
        });
        // An import adds finished days: fold them into the analytics rollups before
        // reporting it done, rather than at the next hourly refresh.
        if result.as_ref().is_ok_and(|r| r.inserted > 0) {
            if let Err(e) = store.refresh_analytics() {
                tracing::warn!(error = %e, "analytics rollup refresh failed");
            }
        }
        let snapshot = {
            let mut st = status();
            st.running = false;
            st.finished_at = Some(Utc::now());
            match &result {
                Ok(report) => {
                    st.state = Phase::Done;
                    st.read = report.rows_read;
                    st.total = Some(st.total.unwrap_or(report.rows_read));
                    st.inserted = report.inserted;
                    st.duplicates = report.duplicates.total();
                    st.skipped = report.skipped;
                    st.failed = report.failed;
                    st.report = Some(report.clone());
                }
                Err(e) => {
                    st.state = Phase::Failed;
                    st.error = Some(match classify(e) {
                        Start::Refused(m) | Start::Failed(m) => m,
                        Start::Going => e.to_string(),
                    });
                }
            }
            st.clone()
        };
        match &result {
            Ok(r) => tracing::info!(
                inserted = r.inserted,
                rows = r.rows_read,
                "Tautulli import done"
            ),
            Err(e) => tracing::warn!(error = %e, "Tautulli import failed"),
        }
        hub.publish(MessageType::ImportProgress, &snapshot);
        if let Some(tx) = first.take() {
            let _ = tx.send(match &result {
                Ok(_) => Start::Going,
                Err(e) => classify(e),
            });
        }
    }));
    if !writer.send(op, "import").await {
        let mut st = status();
        st.running = false;
        st.state = Phase::Failed;
        st.error = Some("the store writer stopped".into());
        return Err(ApiError::Unavailable("the store writer stopped".into()).into());
    }
    match first_rx.await {
        Ok(Start::Going) => Ok((StatusCode::ACCEPTED, Json(status().clone()))),
        Ok(Start::Refused(m)) => Err(AdminError::Status(StatusCode::UNPROCESSABLE_ENTITY, m)),
        Ok(Start::Failed(m)) => Err(ApiError::internal(m).into()),
        Err(_) => {
            let mut st = status();
            st.running = false;
            st.state = Phase::Failed;
            st.error = Some("the store writer stopped".into());
            Err(ApiError::Unavailable("the store writer stopped".into()).into())
        }
    }
}
