//! Backups: a round trip restores every table's rows and content; a changed, missing
//! or added file is refused with a clear error; restores never overwrite; retention
//! keeps what the policy says.

mod fixture;

use cartographus_store::{
    apply_retention, list_backups, plan_retention, restore_backup, validate_backup, Accuracy,
    BackupError, Filter, RetentionPolicy, Store, StoreConfig,
};
use chrono::{Duration, TimeZone, Utc};

fn file_store(dir: &std::path::Path) -> Store {
    let mut store = Store::open(StoreConfig::file(dir.join("live.duckdb"))).unwrap();
    store.append(&fixture::events()).unwrap();
    store
}

/// Compares every table of two closed database files, row by row (multiset
/// difference both ways), and returns the tables compared with their row counts.
fn compare_files(a: &std::path::Path, b: &std::path::Path) -> Vec<(String, i64)> {
    let db = duckdb::Connection::open_in_memory().unwrap();
    db.execute_batch(&format!(
        "ATTACH '{}' AS a (READ_ONLY); ATTACH '{}' AS b (READ_ONLY);",
        a.display(),
        b.display()
    ))
    .unwrap();
    let tables: Vec<String> = db
        .prepare("SELECT table_name FROM duckdb_tables() WHERE database_name = 'a' ORDER BY 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let restored: i64 = db
        .query_row(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'b'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(restored as usize, tables.len(), "same tables");
    tables
        .into_iter()
        .map(|t| {
            let diff: i64 = db
                .query_row(
                    &format!(
                        "SELECT (SELECT count(*) FROM (FROM a.{t} EXCEPT ALL FROM b.{t}))
                              + (SELECT count(*) FROM (FROM b.{t} EXCEPT ALL FROM a.{t}))"
                    ),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(diff, 0, "table {t} differs after restore");
            let n: i64 = db
                .query_row(&format!("SELECT count(*) FROM b.{t}"), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

#[test]
fn round_trip_restores_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path());
    let now = Utc.with_ymd_and_hms(2026, 3, 21, 12, 0, 0).unwrap();
    let backups = dir.path().join("backups");
    let manifest = store.reads().create_backup(&backups, now).unwrap();
    assert_eq!(manifest.created_at, now);
    assert_eq!(manifest.schema_version, store.schema_version());
    let plays = manifest
        .tables
        .iter()
        .find(|t| t.name == "playback_events")
        .unwrap();
    assert_eq!(plays.rows, 13);
    assert!(manifest
        .tables
        .iter()
        .any(|t| t.name == "users" && t.rows == 6));
    assert!(manifest.files.iter().any(|f| f.path.ends_with(".parquet")));
    assert!(manifest.files.iter().all(|f| f.sha256.len() == 64));

    let listed = list_backups(&backups).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "cartographus-20260321T120000Z");
    assert_eq!(listed[0].manifest, manifest);
    assert_eq!(validate_backup(&listed[0].path).unwrap(), manifest);

    let target = dir.path().join("restored.duckdb");
    let report = restore_backup(&listed[0].path, &target).unwrap();
    assert_eq!(report.tables, manifest.tables);
    assert_eq!(report.schema_version, store.schema_version());
    let restored = Store::open(StoreConfig::file(&target)).unwrap();
    let a = store
        .reads()
        .overview(&Filter::all(), Accuracy::Exact)
        .unwrap();
    let b = restored
        .reads()
        .overview(&Filter::all(), Accuracy::Exact)
        .unwrap();
    assert_eq!(
        (a.plays, a.watch_time_s, a.users),
        (b.plays, b.watch_time_s, b.users)
    );
    let again = restore_backup(&listed[0].path, &target);
    assert!(matches!(again, Err(BackupError::TargetExists(_))));

    drop((store, restored));
    let tables = compare_files(&dir.path().join("live.duckdb"), &target);
    for t in &manifest.tables {
        assert!(
            tables.contains(&(t.name.clone(), t.rows as i64)),
            "{} restored with {} rows",
            t.name,
            t.rows
        );
    }
    assert!(tables
        .iter()
        .any(|(t, n)| t == "playback_events" && *n == 13));
}

#[test]
fn tampered_backups_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path());
    let backups = dir.path().join("backups");
    let now = Utc.with_ymd_and_hms(2026, 3, 21, 12, 0, 0).unwrap();
    let manifest = store.reads().create_backup(&backups, now).unwrap();
    let path = list_backups(&backups).unwrap().remove(0).path;
    let plays = manifest
        .files
        .iter()
        .find(|f| f.path.contains("playback_events"))
        .unwrap();
    let file = path.join(&plays.path);

    // One byte changed in the middle of the plays.
    let original = std::fs::read(&file).unwrap();
    let mut bytes = original.clone();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&file, &bytes).unwrap();
    let err = validate_backup(&path).unwrap_err();
    assert!(
        matches!(&err, BackupError::Tampered { file, .. } if file == &plays.path),
        "{err}"
    );
    assert!(err.to_string().contains("was modified"));
    let target = dir.path().join("restored.duckdb");
    assert!(matches!(
        restore_backup(&path, &target),
        Err(BackupError::Tampered { .. })
    ));
    assert!(!target.exists(), "nothing restored from a tampered backup");

    std::fs::write(&file, &original).unwrap();
    validate_backup(&path).unwrap();
    std::fs::write(path.join("extra.sql"), "DROP TABLE users;").unwrap();
    assert!(
        matches!(validate_backup(&path), Err(BackupError::UnexpectedFile(f)) if f == "extra.sql")
    );
    std::fs::remove_file(path.join("extra.sql")).unwrap();
    std::fs::remove_file(&file).unwrap();
    assert!(matches!(validate_backup(&path), Err(BackupError::MissingFile(f)) if f == plays.path));
    std::fs::write(path.join("manifest.json"), "{ not json").unwrap();
    assert!(matches!(
        validate_backup(&path),
        Err(BackupError::Manifest { .. })
    ));
}

#[test]
fn retention_keeps_last_daily_weekly_monthly() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path());
    let backups = dir.path().join("backups");
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 3, 0, 0).unwrap();
    // Two backups a day (03:00 and 15:00) for 40 days: Jan 1 – Feb 9.
    for day in 0..40 {
        for hour in [0, 12] {
            store
                .reads()
                .create_backup(
                    &backups,
                    start + Duration::days(day) + Duration::hours(hour),
                )
                .unwrap();
        }
    }
    let all = list_backups(&backups).unwrap();
    assert_eq!(all.len(), 80);
    let mut policy = RetentionPolicy::default();
    policy.keep_last = 2;
    policy.keep_daily = 3;
    policy.keep_weekly = 2;
    policy.keep_monthly = 2;
    let plan = plan_retention(&all, &policy);
    let kept: Vec<String> = plan
        .keep
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        kept,
        [
            "cartographus-20260209T150000Z", // last, daily, weekly (ISO week 7), monthly (Feb)
            "cartographus-20260209T030000Z", // last
            "cartographus-20260208T150000Z", // daily, weekly (week 6 ends Sunday Feb 8)
            "cartographus-20260207T150000Z", // daily
            "cartographus-20260131T150000Z", // monthly (Jan)
        ]
    );
    assert_eq!(plan.remove.len(), 75);
    let applied = apply_retention(&backups, &policy).unwrap();
    assert_eq!(applied, plan);
    assert_eq!(list_backups(&backups).unwrap().len(), 5);
}
