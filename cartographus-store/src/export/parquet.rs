//! Plays as Parquet through DuckDB's `COPY … TO … (FORMAT PARQUET, COMPRESSION ZSTD)`,
//! and optionally GeoParquet 1.1: DuckDB's spatial extension is not available offline,
//! so the WKB points are made in Rust — one per distinct place, not per play — staged
//! in a temporary table, joined in, and described by the `geo` key-value metadata
//! (`encoding: WKB`, `geometry_types: [Point]`, CRS omitted = OGC:CRS84 lon/lat, and
//! the bounding box).

use std::path::Path;

use duckdb::params;
use serde::{Deserialize, Serialize};

use super::columns::select;
use super::{sql_path, ExportError, ExportSummary};
use crate::analytics::{query_rows, Scope};
use crate::filter::Filter;
use crate::store::Reader;

/// How to write a Parquet export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ParquetOptions {
    /// Add a WKB `geometry` point column and GeoParquet 1.1 metadata.
    pub geoparquet: bool,
}

impl ParquetOptions {
    /// GeoParquet output.
    pub fn geoparquet() -> Self {
        Self { geoparquet: true }
    }
}

/// A WKB point (ISO, little-endian): byte order, geometry type 1, x = lon, y = lat.
pub(crate) fn wkb_point(lon: f64, lat: f64) -> Vec<u8> {
    let mut b = Vec::with_capacity(21);
    b.push(1u8);
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&lon.to_le_bytes());
    b.extend_from_slice(&lat.to_le_bytes());
    b
}

impl Reader {
    /// Writes the plays `filter` matches to a new Parquet file at `path` (ZSTD),
    /// oldest first. The file must not exist.
    pub fn export_parquet(
        &self,
        filter: &Filter,
        path: &Path,
        options: ParquetOptions,
    ) -> Result<ExportSummary, ExportError> {
        if path.exists() {
            return Err(ExportError::Exists(path.to_path_buf()));
        }
        let target = sql_path(path)?;
        let s = Scope::of(filter);
        let engine = |e: duckdb::Error| ExportError::Engine {
            path: path.to_path_buf(),
            source: e.into(),
        };
        let rows = if options.geoparquet {
            let bbox = self.stage_points(&s)?;
            let meta = geo_metadata(bbox).replace('\'', "''");
            let sql = format!(
                "COPY (SELECT {cols}, g.geometry FROM playback_events p
                       LEFT JOIN export_points g ON g.latitude = p.latitude AND g.longitude = p.longitude
                       WHERE {w} ORDER BY p.started_at, p.event_id)
                 TO {target} (FORMAT PARQUET, COMPRESSION ZSTD, KV_METADATA {{geo: '{meta}'}})",
                cols = select(false),
                w = s.sql
            );
            let n = self
                .conn
                .execute(&sql, duckdb::params_from_iter(s.params.iter()))
                .map_err(engine);
            let _ = self
                .conn
                .execute_batch("DROP TABLE IF EXISTS export_points");
            n?
        } else {
            let sql = format!(
                "COPY (SELECT {cols} FROM playback_events p WHERE {w} ORDER BY p.started_at, p.event_id)
                 TO {target} (FORMAT PARQUET, COMPRESSION ZSTD)",
                cols = select(false),
                w = s.sql
            );
            self.conn
                .execute(&sql, duckdb::params_from_iter(s.params.iter()))
                .map_err(engine)?
        };
        let bytes = std::fs::metadata(path)?.len();
        Ok(ExportSummary {
            rows: rows as u64,
            bytes,
        })
    }

    /// Stages one WKB point per distinct place of the export in `export_points`;
    /// returns the bounding box `[west, south, east, north]` of the places.
    fn stage_points(&self, s: &Scope) -> Result<Option<[f64; 4]>, ExportError> {
        let sql = format!(
            "SELECT DISTINCT p.latitude, p.longitude FROM playback_events p
             WHERE {w} AND p.latitude IS NOT NULL AND p.longitude IS NOT NULL",
            w = s.sql
        );
        let places = query_rows(&self.conn, &sql, &s.params, |r| {
            Ok((r.get::<_, f64>(0)?, r.get::<_, f64>(1)?))
        })?;
        self.conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE export_points (latitude DOUBLE, longitude DOUBLE, geometry BLOB)",
        )?;
        let mut bbox: Option<[f64; 4]> = None;
        let mut insert = self
            .conn
            .prepare("INSERT INTO export_points VALUES (?, ?, ?)")?;
        for &(lat, lon) in &places {
            insert.execute(params![lat, lon, wkb_point(lon, lat)])?;
            let b = bbox.get_or_insert([lon, lat, lon, lat]);
            *b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
        }
        Ok(bbox)
    }
}

/// The GeoParquet 1.1 `geo` metadata for a file with one WKB point column.
fn geo_metadata(bbox: Option<[f64; 4]>) -> String {
    let mut column = serde_json::json!({
        "encoding": "WKB",
        "geometry_types": ["Point"],
    });
    if let Some(b) = bbox {
        column["bbox"] = serde_json::json!(b);
    }
    serde_json::json!({
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": { "geometry": column },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkb_point_layout() {
        let b = wkb_point(2.35, 48.85);
        assert_eq!(b.len(), 21);
        assert_eq!(b[0], 1);
        assert_eq!(&b[1..5], &[1, 0, 0, 0]);
        assert_eq!(f64::from_le_bytes(b[5..13].try_into().unwrap()), 2.35);
        assert_eq!(f64::from_le_bytes(b[13..21].try_into().unwrap()), 48.85);
        let meta: serde_json::Value =
            serde_json::from_str(&geo_metadata(Some([1.0, 2.0, 3.0, 4.0]))).unwrap();
        assert_eq!(meta["columns"]["geometry"]["encoding"], "WKB");
        assert_eq!(meta["primary_column"], "geometry");
    }
}
