//! `GET /export/playbacks.csv`, `/export/playbacks.parquet` (`?geo=true` for
//! GeoParquet) and `/export/locations.geojson`, under every filter parameter. The CSV
//! and the GeoJSON are written by a pooled reader on a blocking thread straight into
//! the response body; the Parquet file is written by the engine to a temporary file,
//! streamed, and deleted.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use cartographus_store::{Filter, ParquetOptions};
use chrono::Utc;
use tokio::io::AsyncReadExt;

use super::{attachment, stream_download, AdminError, ChunkWriter, Failure, CHUNK};
use crate::app::ReaderPool;
use crate::http::error::ApiError;
use crate::http::{params, AppState};

type Params = Query<BTreeMap<String, String>>;

fn pool(state: &AppState) -> Result<Arc<ReaderPool>, ApiError> {
    state
        .readers
        .clone()
        .ok_or_else(|| ApiError::Unavailable("the store is not open".into()))
}

fn stamp() -> String {
    Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

/// Runs `write` with a pooled reader and the response writer, then flushes.
async fn with_reader(
    pool: Arc<ReaderPool>,
    mut w: ChunkWriter,
    write: impl FnOnce(&cartographus_store::Reader, &mut ChunkWriter) -> Result<(), Failure>
        + Send
        + 'static,
) -> Result<(), Failure> {
    pool.with(move |r| {
        write(r, &mut w)?;
        w.flush().map_err(Failure::of)
    })
    .await
    .unwrap_or(Err(Failure::NoReader))
}

/// A filtered export a pooled reader writes straight into the response body.
async fn streamed(
    state: &AppState,
    p: &BTreeMap<String, String>,
    content_type: &'static str,
    name: &str,
    extension: &str,
    write: fn(&cartographus_store::Reader, &Filter, &mut ChunkWriter) -> Result<(), Failure>,
) -> Result<Response, AdminError> {
    let filter = params::filter(p, &[], Utc::now())?;
    let pool = pool(state)?;
    stream_download(
        content_type,
        &format!("cartographus-{name}-{}.{extension}", stamp()),
        move |w| with_reader(pool, w, move |r, w| write(r, &filter, w)),
    )
    .await
}

/// `GET /api/v1/export/playbacks.csv`: RFC 4180, a header row, oldest play first.
pub(crate) async fn csv(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Response, AdminError> {
    streamed(
        &state,
        &p,
        "text/csv; charset=utf-8",
        "playbacks",
        "csv",
        |r, f, w| r.write_csv(f, w).map(drop).map_err(Failure::of),
    )
    .await
}

/// `GET /api/v1/export/locations.geojson`: an RFC 7946 FeatureCollection of places.
pub(crate) async fn geojson(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Response, AdminError> {
    streamed(
        &state,
        &p,
        "application/geo+json",
        "locations",
        "geojson",
        |r, f, w| {
            r.write_locations_geojson(f, w)
                .map(drop)
                .map_err(Failure::of)
        },
    )
    .await
}

/// Deletes the temporary export file when the response body is done or dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A fresh path for a temporary export (the engine refuses to overwrite).
fn temp_path(dir: &Path) -> PathBuf {
    dir.join(format!(
        "cartographus-export-{}.parquet",
        uuid::Uuid::new_v4()
    ))
}

/// `GET /api/v1/export/playbacks.parquet?geo=true|false`: ZSTD Parquet, with
/// `geo=true` GeoParquet 1.1 (a WKB point column and the `geo` metadata).
pub(crate) async fn parquet(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Response, AdminError> {
    let filter: Filter = params::filter(&p, &["geo"], Utc::now())?;
    let options = match p.get("geo").map(|g| g.trim()) {
        None | Some("false") | Some("0") => ParquetOptions::default(),
        Some("true") | Some("1") => ParquetOptions::geoparquet(),
        Some(_) => return Err(ApiError::param("geo", "expected true or false").into()),
    };
    let path = temp_path(&std::env::temp_dir());
    let guard = TempFile(path.clone());
    let written =
        super::super::with_reader(&state, move |r| r.export_parquet(&filter, &path, options))
            .await?
            .map_err(ApiError::internal)?;
    let file = tokio::fs::File::open(&guard.0)
        .await
        .map_err(ApiError::internal)?;
    let body = futures_util::stream::unfold(Some((file, guard)), |state| async move {
        let (mut file, guard) = state?;
        let mut buf = vec![0u8; CHUNK];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some((file, guard))))
            }
            // The error ends the body (and the guard deletes the file).
            Err(e) => Some((Err(e), None)),
        }
    });
    let mut resp = attachment(
        Response::new(Body::from_stream(body)),
        "application/vnd.apache.parquet",
        &format!("cartographus-playbacks-{}.parquet", stamp()),
    );
    if let Ok(v) = HeaderValue::from_str(&written.bytes.to_string()) {
        resp.headers_mut().insert(header::CONTENT_LENGTH, v);
    }
    Ok(resp)
}
