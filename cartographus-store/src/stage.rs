//! Column-wise batches handed to DuckDB.
//!
//! A [`Columns`] builds one Arrow column per entry of a layout (a static list of names
//! and [`Kind`]s), row by row, into a record batch whose types are the target table's
//! own (UUID, TIMESTAMP, the narrow unsigned integers, lists); only ENUM columns travel
//! as text and are cast in SQL. A batch is read by SQL through the `cg_arrow(?)` table
//! function ([`Scan`]), so an `INSERT … SELECT` copies it into a table once, with no
//! intermediate table. [`plays`] holds the layouts of plays and of their keys.

mod plays;

pub(crate) use plays::{push_key, push_play, CellCache, KEY_COLUMNS, PLAY_COLUMNS};

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, FixedSizeBinaryBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder, UInt16Builder, UInt32Builder, UInt64Builder, UInt8Builder,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use duckdb::vtab::arrow::{ArrowBatchRegistration, ArrowVTab};

/// The name of the Arrow scan table function this crate registers.
pub(crate) const SCAN_FUNCTION: &str = "cg_arrow";

/// Registers the `cg_arrow(token)` table function on the database of `conn`.
pub(crate) fn register_scan(conn: &duckdb::Connection) -> duckdb::Result<()> {
    conn.register_table_function::<ArrowVTab>(SCAN_FUNCTION)
}

/// A finished batch, readable in SQL as `cg_arrow(?)` with the scan bound as the
/// parameter, for as long as this value lives.
#[derive(Debug)]
pub(crate) struct Scan(ArrowBatchRegistration);

impl Scan {
    /// The parameter to bind to `cg_arrow(?)`.
    pub(crate) fn param(&self) -> &ArrowBatchRegistration {
        &self.0
    }
}

/// `SELECT` of every column of `layout` from `cg_arrow(?)`, ENUM columns cast to their
/// type (the select list of an `INSERT INTO … SELECT` in layout order).
pub(crate) fn select_sql(layout: Layout) -> String {
    let cols: Vec<String> = layout
        .iter()
        .map(|(name, kind)| match kind {
            Kind::Enum(ty) => format!("{name}::{ty} AS {name}"),
            Kind::StrList => format!(
                "CASE WHEN {name} IS NULL THEN []::VARCHAR[] \
                 ELSE string_split({name}, chr(31)) END AS {name}"
            ),
            _ => (*name).to_owned(),
        })
        .collect();
    format!("SELECT {} FROM {SCAN_FUNCTION}(?)", cols.join(", "))
}

/// The storage type of one staged column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `UUID` (Arrow: 16-byte fixed binary tagged `arrow.uuid`).
    Uuid,
    /// `VARCHAR`.
    Str,
    /// A DuckDB `ENUM` type of the schema, staged as text and cast by the engine.
    Enum(&'static str),
    /// `BIGINT`.
    I64,
    /// `UTINYINT`.
    U8,
    /// `USMALLINT`.
    U16,
    /// `UINTEGER`.
    U32,
    /// `UBIGINT`.
    U64,
    /// `DOUBLE`.
    F64,
    /// `BOOLEAN`.
    Bool,
    /// `TIMESTAMP` (UTC, microseconds).
    Ts,
    /// `VARCHAR[]`, staged as one text joined by [`GENRE_SEP`] (NULL: empty list) and
    /// split in SQL: duckdb-rs copies a sliced Arrow list's whole child array for every
    /// 2,048-row chunk, which made lists the costliest column.
    StrList,
}

impl Kind {
    fn field(self, name: &str) -> Field {
        let ty = match self {
            Kind::Uuid => DataType::FixedSizeBinary(16),
            Kind::Str | Kind::Enum(_) | Kind::StrList => DataType::Utf8,
            Kind::I64 => DataType::Int64,
            Kind::U8 => DataType::UInt8,
            Kind::U16 => DataType::UInt16,
            Kind::U32 => DataType::UInt32,
            Kind::U64 => DataType::UInt64,
            Kind::F64 => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::Ts => DataType::Timestamp(TimeUnit::Microsecond, None),
        };
        let field = Field::new(name, ty, true);
        if self == Kind::Uuid {
            // duckdb-rs maps this extension type to UUID.
            field.with_metadata(HashMap::from([(
                "ARROW:extension:name".to_owned(),
                "arrow.uuid".to_owned(),
            )]))
        } else {
            field
        }
    }
}

/// The separator of list values read back as one string (ASCII unit separator).
pub(crate) const GENRE_SEP: char = '\u{1f}';

/// A staging layout: column names and kinds, in order.
pub(crate) type Layout = &'static [(&'static str, Kind)];

enum Col {
    Uuid(FixedSizeBinaryBuilder),
    Str(StringBuilder),
    I64(Int64Builder),
    U8(UInt8Builder),
    U16(UInt16Builder),
    U32(UInt32Builder),
    U64(UInt64Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
    Ts(TimestampMicrosecondBuilder),
}

impl Col {
    fn new(kind: Kind, rows: usize) -> Self {
        match kind {
            Kind::Uuid => Col::Uuid(FixedSizeBinaryBuilder::with_capacity(rows, 16)),
            Kind::Str | Kind::Enum(_) | Kind::StrList => {
                Col::Str(StringBuilder::with_capacity(rows, rows * 12))
            }
            Kind::I64 => Col::I64(Int64Builder::with_capacity(rows)),
            Kind::U8 => Col::U8(UInt8Builder::with_capacity(rows)),
            Kind::U16 => Col::U16(UInt16Builder::with_capacity(rows)),
            Kind::U32 => Col::U32(UInt32Builder::with_capacity(rows)),
            Kind::U64 => Col::U64(UInt64Builder::with_capacity(rows)),
            Kind::F64 => Col::F64(Float64Builder::with_capacity(rows)),
            Kind::Bool => Col::Bool(BooleanBuilder::with_capacity(rows)),
            Kind::Ts => Col::Ts(TimestampMicrosecondBuilder::with_capacity(rows)),
        }
    }

    fn append_null(&mut self) {
        match self {
            Col::Uuid(b) => b.append_null(),
            Col::Str(b) => b.append_null(),
            Col::I64(b) => b.append_null(),
            Col::U8(b) => b.append_null(),
            Col::U16(b) => b.append_null(),
            Col::U32(b) => b.append_null(),
            Col::U64(b) => b.append_null(),
            Col::F64(b) => b.append_null(),
            Col::Bool(b) => b.append_null(),
            Col::Ts(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Uuid(b) => Arc::new(b.finish()),
            Col::Str(b) => Arc::new(b.finish()),
            Col::I64(b) => Arc::new(b.finish()),
            Col::U8(b) => Arc::new(b.finish()),
            Col::U16(b) => Arc::new(b.finish()),
            Col::U32(b) => Arc::new(b.finish()),
            Col::U64(b) => Arc::new(b.finish()),
            Col::F64(b) => Arc::new(b.finish()),
            Col::Bool(b) => Arc::new(b.finish()),
            Col::Ts(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows being built for one layout. Each row writes every column of the layout in
/// order, through the typed writers below; a writer called on a column of another kind
/// stores NULL there (and trips a debug assertion), so a mistake can never shift
/// columns.
pub(crate) struct Columns {
    layout: Layout,
    cols: Vec<Col>,
    i: usize,
    rows: usize,
    /// Reused to join list values.
    scratch: String,
}

impl std::fmt::Debug for Columns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Columns")
            .field("columns", &self.cols.len())
            .field("rows", &self.rows)
            .finish()
    }
}

impl Columns {
    pub(crate) fn new(layout: Layout, rows: usize) -> Self {
        Self {
            layout,
            cols: layout.iter().map(|(_, k)| Col::new(*k, rows)).collect(),
            i: 0,
            rows: 0,
            scratch: String::new(),
        }
    }

    /// Rows completed so far.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    fn next(&mut self) -> &mut Col {
        let i = self.i;
        self.i += 1;
        if self.i == self.cols.len() {
            self.i = 0;
            self.rows += 1;
        }
        &mut self.cols[i]
    }

    fn mismatch(&self, wanted: &str) {
        let at = self.i.checked_sub(1).unwrap_or(self.cols.len() - 1);
        debug_assert!(false, "column {} is not {wanted}", self.layout[at].0);
    }

    pub(crate) fn uuid(&mut self, v: Option<&uuid::Uuid>) {
        match (self.next(), v) {
            (Col::Uuid(b), Some(u)) => {
                // Cannot fail: the value is exactly 16 bytes.
                let _ = b.append_value(u.as_bytes());
            }
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("a UUID");
            }
        }
    }

    pub(crate) fn str(&mut self, v: Option<&str>) {
        match (self.next(), v) {
            (Col::Str(b), Some(s)) => b.append_value(s),
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("text");
            }
        }
    }

    /// A list of text values, for a [`Kind::StrList`] column. Values lose any
    /// [`GENRE_SEP`], which separates them.
    pub(crate) fn str_list(&mut self, values: &[String]) {
        if values.is_empty() {
            self.str(None);
            return;
        }
        let mut joined = std::mem::take(&mut self.scratch);
        joined.clear();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                joined.push(GENRE_SEP);
            }
            joined.extend(v.chars().filter(|c| *c != GENRE_SEP));
        }
        self.str(Some(&joined));
        self.scratch = joined;
    }

    /// An integer into any integer column, saturating at the column's range.
    pub(crate) fn int(&mut self, v: Option<i64>) {
        fn sat<T: TryFrom<i64> + Copy>(v: i64, min: T, max: T) -> T {
            T::try_from(v).unwrap_or(if v < 0 { min } else { max })
        }
        let Some(v) = v else {
            self.next().append_null();
            return;
        };
        match self.next() {
            Col::I64(b) => b.append_value(v),
            Col::U8(b) => b.append_value(sat(v, 0, u8::MAX)),
            Col::U16(b) => b.append_value(sat(v, 0, u16::MAX)),
            Col::U32(b) => b.append_value(sat(v, 0, u32::MAX)),
            Col::U64(b) => b.append_value(sat(v, 0, u64::MAX)),
            Col::Ts(b) => b.append_value(v),
            c => {
                c.append_null();
                self.mismatch("an integer");
            }
        }
    }

    /// An unsigned integer into any integer column, saturating at the column's range.
    pub(crate) fn uint(&mut self, v: Option<u64>) {
        match (self.next(), v) {
            (Col::U64(b), Some(v)) => b.append_value(v),
            (c, None) => c.append_null(),
            (_, Some(v)) => {
                // Undo the advance and take the signed path (every other integer column
                // is narrower than i64::MAX anyway).
                self.back();
                self.int(Some(i64::try_from(v).unwrap_or(i64::MAX)));
            }
        }
    }

    fn back(&mut self) {
        if self.i == 0 {
            self.i = self.cols.len() - 1;
            self.rows -= 1;
        } else {
            self.i -= 1;
        }
    }

    pub(crate) fn float(&mut self, v: Option<f64>) {
        match (self.next(), v) {
            (Col::F64(b), Some(v)) => b.append_value(v),
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("a float");
            }
        }
    }

    pub(crate) fn bool(&mut self, v: Option<bool>) {
        match (self.next(), v) {
            (Col::Bool(b), Some(v)) => b.append_value(v),
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("a boolean");
            }
        }
    }

    /// A timestamp (UTC).
    pub(crate) fn ts(&mut self, v: Option<chrono::DateTime<chrono::Utc>>) {
        match (self.next(), v) {
            (Col::Ts(b), Some(t)) => b.append_value(t.timestamp_micros()),
            (c, None) => c.append_null(),
            (c, Some(_)) => {
                c.append_null();
                self.mismatch("a timestamp");
            }
        }
    }

    /// The finished record batch (an error only if rows were left incomplete).
    pub(crate) fn finish(mut self) -> Result<RecordBatch, ArrowError> {
        if self.i != 0 {
            return Err(ArrowError::InvalidArgumentError(format!(
                "a staged row stopped at column {} of {}",
                self.i,
                self.cols.len()
            )));
        }
        let fields: Vec<Field> = self.layout.iter().map(|(n, k)| k.field(n)).collect();
        let arrays: Vec<ArrayRef> = self.cols.iter_mut().map(Col::finish).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
    }

    /// The finished batch as a scan for SQL (see [`Scan`]).
    pub(crate) fn into_scan(self) -> Result<Scan, ArrowError> {
        Ok(Scan(ArrowBatchRegistration::new(self.finish()?)))
    }
}

/// 64-bit FNV-1a: a stable hash (its value is stored, so it must never change).
pub(crate) fn fnv1a64(s: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::{Str, I64, U32, U64, U8};

    #[test]
    fn fnv_is_stable() {
        // Stored values depend on this hash: it must never change.
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c_u64 as i64);
    }
    #[test]
    fn a_kind_mismatch_never_shifts_columns() {
        const L: Layout = &[("a", I64), ("b", Str)];
        let mut c = Columns::new(L, 2);
        c.int(Some(1));
        c.str(Some("x"));
        c.int(None);
        c.str(None);
        assert_eq!(c.rows(), 2);
        let b = c.finish().unwrap();
        assert_eq!((b.num_rows(), b.num_columns()), (2, 2));
        let mut c = Columns::new(L, 1);
        c.int(Some(1));
        assert!(c.finish().is_err(), "an incomplete row is an error");
    }
    #[test]
    fn unsigned_values_saturate_at_the_column_range() {
        const L: Layout = &[("a", U8), ("b", U64), ("c", U32)];
        let mut c = Columns::new(L, 1);
        c.uint(Some(300));
        c.uint(Some(u64::MAX));
        c.int(Some(-5));
        let b = c.finish().unwrap();
        use arrow::array::AsArray;
        use arrow::datatypes::{UInt32Type, UInt64Type, UInt8Type};
        assert_eq!(b.column(0).as_primitive::<UInt8Type>().value(0), 255);
        assert_eq!(b.column(1).as_primitive::<UInt64Type>().value(0), u64::MAX);
        assert_eq!(b.column(2).as_primitive::<UInt32Type>().value(0), 0);
    }

    #[test]
    fn select_sql_casts_enums_only() {
        const L: Layout = &[("a", Kind::Enum("e_t")), ("b", Str)];
        assert_eq!(select_sql(L), "SELECT a::e_t AS a, b FROM cg_arrow(?)");
    }
}
