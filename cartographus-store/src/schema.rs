//! The schema and its numbered migrations. Each migration runs in its own transaction
//! and is recorded in `schema_migrations` with its number and name, so a crash leaves
//! the file at a whole version. A file whose newest recorded version is above
//! [`SCHEMA_VERSION`] was written by a newer build and is refused.

use duckdb::Connection;

use crate::error::OpenError;

/// The newest schema version this build writes.
pub const SCHEMA_VERSION: u32 = 3;

struct Migration {
    version: u32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        sql: include_str!("schema/v1_core.sql"),
    },
    Migration {
        version: 2,
        name: "detection",
        sql: include_str!("schema/v2_detection.sql"),
    },
    Migration {
        version: 3,
        name: "lean_plays",
        sql: include_str!("schema/v3_lean_plays.sql"),
    },
];

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR NOT NULL
)";

fn table_exists(conn: &Connection, name: &str) -> Result<bool, duckdb::Error> {
    conn.query_row(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() \
         AND schema_name = 'main' AND table_name = ?",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

fn user_table_count(conn: &Connection) -> Result<i64, duckdb::Error> {
    conn.query_row(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() \
         AND NOT temporary",
        [],
        |r| r.get::<_, i64>(0),
    )
}

/// The file's current version: 0 for an empty database.
pub(crate) fn current_version(conn: &Connection) -> Result<u32, duckdb::Error> {
    if !table_exists(conn, "schema_migrations")? {
        return Ok(0);
    }
    let v: Option<i64> = conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
        r.get(0)
    })?;
    Ok(v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0))
}

/// Brings the schema to `target` (at most [`SCHEMA_VERSION`]); returns the version the
/// file is at afterwards.
pub(crate) fn migrate(
    conn: &Connection,
    path: &std::path::Path,
    target: u32,
) -> Result<u32, OpenError> {
    if !table_exists(conn, "schema_migrations")? {
        if user_table_count(conn)? > 0 {
            return Err(OpenError::ForeignDatabase {
                path: path.to_path_buf(),
            });
        }
        conn.execute_batch(CREATE_MIGRATIONS_TABLE)?;
    }
    let mut version = current_version(conn)?;
    if version > SCHEMA_VERSION {
        return Err(OpenError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let target = target.min(SCHEMA_VERSION);
    let from = version;
    for m in MIGRATIONS
        .iter()
        .filter(|m| m.version > from && m.version <= target)
    {
        apply(conn, m).map_err(|source| OpenError::Migration {
            version: m.version,
            name: m.name,
            source: source.into(),
        })?;
        version = m.version;
    }
    Ok(version)
}

fn apply(conn: &Connection, m: &Migration) -> Result<(), duckdb::Error> {
    conn.execute_batch("BEGIN TRANSACTION")?;
    let run = || -> Result<(), duckdb::Error> {
        conn.execute_batch(m.sql)?;
        conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
            duckdb::params![m.version, m.name],
        )?;
        Ok(())
    };
    match run() {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
