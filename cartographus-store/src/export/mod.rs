//! Exports (`/api/v1/export/*`): plays as CSV (RFC 4180, header row, streamed batch
//! by batch into any [`std::io::Write`] — never built in memory), plays as Parquet
//! (DuckDB's `COPY … (FORMAT PARQUET, COMPRESSION ZSTD)`), optionally GeoParquet 1.1
//! (a WKB point column written from Rust plus the `geo` file metadata, which QGIS and
//! GeoPandas open), and places as GeoJSON.
//!
//! Exports are reads: they run on a [`Reader`](crate::Reader) (one per thread) and see
//! the data committed when they start. An HTTP server streams the CSV by running
//! [`Reader::write_csv`](crate::Reader::write_csv) on a blocking thread with a writer
//! that forwards chunks to the response body.

mod columns;
mod csv;
mod parquet;

pub use parquet::ParquetOptions;

use std::path::PathBuf;

use serde::Serialize;

use crate::error::{DbError, QueryError};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Writing the output failed (a closed connection, a full disk…).
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
    /// Reading the plays failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The engine failed while writing the file.
    #[error("the engine could not write {path}: {source}")]
    Engine {
        /// The output file.
        path: PathBuf,
        /// What the engine said.
        source: DbError,
    },
    /// The output path cannot be handed to the engine (not UTF-8).
    #[error("the export path {0} is not valid UTF-8")]
    Path(PathBuf),
    /// The output file exists already (exports never overwrite).
    #[error("the export file {0} exists already")]
    Exists(PathBuf),
}

impl From<duckdb::Error> for ExportError {
    fn from(e: duckdb::Error) -> Self {
        ExportError::Query(e.into())
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ExportSummary {
    /// Rows written (header excluded).
    pub rows: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// A path as a SQL string literal (single quotes doubled). Paths come from the
/// server's configuration, never from a request, and are quoted anyway.
pub(crate) fn sql_path(path: &std::path::Path) -> Result<String, ExportError> {
    let s = path
        .to_str()
        .ok_or_else(|| ExportError::Path(path.to_path_buf()))?;
    Ok(format!("'{}'", s.replace('\'', "''")))
}

impl crate::store::Reader {
    /// Writes the places `filter` matches (at most 100,000, most plays first) as an
    /// RFC 7946 GeoJSON `FeatureCollection` into `out`.
    pub fn write_locations_geojson<W: std::io::Write>(
        &self,
        filter: &crate::filter::Filter,
        out: W,
    ) -> Result<ExportSummary, ExportError> {
        let collection = self.locations_geojson(filter, 100_000)?;
        let mut out = std::io::BufWriter::new(out);
        let bytes = serde_json::to_vec(&collection).map_err(std::io::Error::other)?;
        std::io::Write::write_all(&mut out, &bytes)?;
        std::io::Write::flush(&mut out)?;
        Ok(ExportSummary {
            rows: collection.features.len() as u64,
            bytes: bytes.len() as u64,
        })
    }
}
