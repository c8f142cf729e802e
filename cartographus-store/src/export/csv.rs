//! Plays as CSV (RFC 4180): a header row, CRLF line ends, fields quoted when they hold
//! a comma, a double quote, CR or LF (quotes doubled), empty for NULL. Rows come from
//! DuckDB's streaming Arrow result in batches of ~2,048 and are written as they come,
//! oldest play first, so memory stays flat however large the history.

use std::io::Write;

use arrow::array::{Array, LargeStringArray, StringArray, StringViewArray};

use super::columns::{select, COLUMNS};
use super::{ExportError, ExportSummary};
use crate::analytics::Scope;
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// Writes one field, quoted when RFC 4180 requires it.
pub(crate) fn write_field(out: &mut Vec<u8>, value: &str) {
    if value.contains([',', '"', '\r', '\n']) {
        out.push(b'"');
        for b in value.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(value.as_bytes());
    }
}

/// A text column of a batch, whatever string layout the engine chose.
fn text_at(col: &dyn Array, i: usize) -> Option<&str> {
    if col.is_null(i) {
        return None;
    }
    if let Some(a) = col.as_any().downcast_ref::<StringArray>() {
        return Some(a.value(i));
    }
    if let Some(a) = col.as_any().downcast_ref::<LargeStringArray>() {
        return Some(a.value(i));
    }
    col.as_any()
        .downcast_ref::<StringViewArray>()
        .map(|a| a.value(i))
}

/// Counts the bytes that pass through.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Counting<W> {
    fn put(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(buf)?;
        self.bytes += buf.len() as u64;
        Ok(())
    }
}

impl Reader {
    /// Writes the plays `filter` matches as CSV into `out`, oldest first, and flushes
    /// it. Columns: see the header row (event id, times in RFC 3339 UTC, user, title,
    /// device, quality, place…).
    pub fn write_csv<W: Write>(
        &self,
        filter: &Filter,
        out: W,
    ) -> Result<ExportSummary, ExportError> {
        let s = Scope::of(filter);
        let sql = format!(
            "SELECT {cols} FROM playback_events p WHERE {w} ORDER BY p.started_at, p.event_id",
            cols = select(true),
            w = s.sql
        );
        let mut out = Counting {
            inner: out,
            bytes: 0,
        };
        let mut line = Vec::with_capacity(64 * 1024);
        for (i, (name, _, _)) in COLUMNS.iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            write_field(&mut line, name);
        }
        line.extend_from_slice(b"\r\n");
        out.put(&line)?;
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = 0u64;
        for batch in stmt.stream_arrow(duckdb::params_from_iter(s.params.iter()))? {
            let batch = batch.map_err(QueryError::from)?;
            line.clear();
            let cols: Vec<&dyn Array> = batch.columns().iter().map(|c| c.as_ref()).collect();
            for r in 0..batch.num_rows() {
                for (c, col) in cols.iter().enumerate() {
                    if c > 0 {
                        line.push(b',');
                    }
                    if let Some(v) = text_at(*col, r) {
                        write_field(&mut line, v);
                    }
                }
                line.extend_from_slice(b"\r\n");
            }
            rows += batch.num_rows() as u64;
            out.put(&line)?;
        }
        out.inner.flush()?;
        Ok(ExportSummary {
            rows,
            bytes: out.bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::write_field;

    #[test]
    fn quotes_only_what_rfc_4180_requires() {
        let mut b = Vec::new();
        for v in ["plain", "a,b", "say \"hi\"", "two\r\nlines", ""] {
            write_field(&mut b, v);
            b.push(b'|');
        }
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\r\nlines\"||"
        );
    }
}
