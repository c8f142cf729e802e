//! CSV (RFC 4180 escaping, header, CRLF, filters), Parquet and GeoParquet exports of
//! the fixture, read back with DuckDB.

mod fixture;

use cartographus_store::{ExportError, Filter, ParquetOptions};
use fixture::user_id;

/// Splits RFC 4180 text into records of fields (a small reference reader).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record ends with CRLF"
    );
    records
}

#[test]
fn csv_has_a_header_escapes_fields_and_ends_lines_with_crlf() {
    let store = fixture::store();
    let mut out = Vec::new();
    let summary = store.reads().write_csv(&Filter::all(), &mut out).unwrap();
    assert_eq!(summary.rows, 13);
    assert_eq!(summary.bytes, out.len() as u64);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("\"Song \"\"A\"\", live\""),
        "comma and quotes escaped"
    );
    assert_eq!(text.matches("\r\n").count(), 14);
    assert!(!text.replace("\r\n", "").contains('\n'));
    let records = parse_csv(&text);
    assert_eq!(records.len(), 14);
    let header = &records[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert!(records.iter().all(|r| r.len() == header.len()));
    assert_eq!(records[1][col("title")], "Interstellar", "oldest first");
    assert_eq!(records[1][col("started_at")], "2026-03-02T19:00:00Z");
    assert_eq!(records[8][col("title")], "Song \"A\", live");
    assert_eq!(records[8][col("latitude")], "", "NULL is an empty field");
    assert_eq!(
        records[3][col("reference_id")],
        records[2][col("event_id")],
        "row 3 resumes row 2"
    );
    assert_eq!(records[1][col("genres")], "Sci-Fi;Drama");
    assert_eq!(records[13][col("country_code")], "FJ");
}

#[test]
fn csv_honours_the_filter() {
    let store = fixture::store();
    let mut out = Vec::new();
    let carol = fixture::with(Filter::all(), |f| f.users = vec![user_id("carol")]);
    let summary = store.reads().write_csv(&carol, &mut out).unwrap();
    assert_eq!(summary.rows, 5);
    let records = parse_csv(&String::from_utf8(out).unwrap());
    assert!(records[1..].iter().all(|r| r.contains(&"carol".to_owned())));
}

#[test]
fn parquet_and_geoparquet_read_back() {
    let store = fixture::store();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plays.parquet");
    let s = store
        .reads()
        .export_parquet(&Filter::all(), &plain, ParquetOptions::default())
        .unwrap();
    assert_eq!(s.rows, 13);
    assert!(s.bytes > 0);
    let again = store
        .reads()
        .export_parquet(&Filter::all(), &plain, ParquetOptions::default());
    assert!(
        matches!(again, Err(ExportError::Exists(_))),
        "exports never overwrite"
    );

    let geo = dir.path().join("plays-geo.parquet");
    let fiji = fixture::with(Filter::all(), |f| f.countries = vec!["FJ".into()]);
    assert_eq!(
        store
            .reads()
            .export_parquet(&fiji, &geo, ParquetOptions::geoparquet())
            .unwrap()
            .rows,
        6
    );

    let db = duckdb::Connection::open_in_memory().unwrap();
    let count: i64 = db
        .query_row(
            &format!("SELECT count(*) FROM read_parquet('{}')", plain.display()),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(count, 13);
    let (title, watched): (String, i64) = db
        .query_row(
            &format!("SELECT title, sum(play_duration_s)::BIGINT FROM read_parquet('{}') GROUP BY title ORDER BY 2 DESC LIMIT 1", plain.display()),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((title.as_str(), watched), ("Heat", 18_000));
    let compression: String = db
        .query_row(
            &format!(
                "SELECT any_value(compression) FROM parquet_metadata('{}')",
                plain.display()
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(compression.to_ascii_uppercase(), "ZSTD");

    let meta: String = db
        .query_row(
            &format!(
                "SELECT decode(value) FROM parquet_kv_metadata('{}') WHERE decode(key) = 'geo'",
                geo.display()
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["version"], "1.1.0");
    assert_eq!(meta["columns"]["geometry"]["encoding"], "WKB");
    assert_eq!(
        meta["columns"]["geometry"]["bbox"],
        serde_json::json!([-178.8, -18.1416, 178.4419, -18.0])
    );
    let (wkb, lat, lon): (Vec<u8>, f64, f64) = db
        .query_row(
            &format!("SELECT geometry::BLOB, latitude, longitude FROM read_parquet('{}') WHERE city = 'Suva' LIMIT 1", geo.display()),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(wkb.len(), 21);
    assert_eq!((wkb[0], wkb[1]), (1, 1), "little-endian Point");
    assert_eq!(
        f64::from_le_bytes(wkb[5..13].try_into().unwrap()),
        lon,
        "x is the longitude"
    );
    assert_eq!(f64::from_le_bytes(wkb[13..21].try_into().unwrap()), lat);
    // DuckDB itself recognises the file as GeoParquet: the column reads back as a
    // GEOMETRY in OGC:CRS84 (lon, lat).
    let (kind, text): (String, String) = db
        .query_row(
            &format!("SELECT typeof(geometry), geometry::VARCHAR FROM read_parquet('{}') WHERE city = 'Suva' LIMIT 1", geo.display()),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "GEOMETRY('OGC:CRS84')");
    assert_eq!(text, "POINT (178.4419 -18.1416)");
}
