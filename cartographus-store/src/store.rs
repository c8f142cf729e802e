//! Opening a store: engine settings (extension auto-install and auto-load off, memory,
//! threads), mapping of the engine's open failures to typed errors, migrations, and the
//! split between the one writer ([`Store`]) and any number of [`Reader`]s.

use std::path::{Path, PathBuf};

use duckdb::{Config, Connection};

use crate::config::{Location, StoreConfig};
use crate::error::{DbError, OpenError, QueryError};
use crate::schema;

/// The store: the single writer of one database file.
///
/// Open exactly one `Store` per file per process and do every write through it (from
/// one thread, or behind a mutex); DuckDB lets only one process hold the file. Reads
/// can run on any number of [`Reader`]s made with [`Store::new_reader`], one per thread;
/// each query sees the data committed when it started.
#[derive(Debug)]
pub struct Store {
    pub(crate) reader: Reader,
    location: Location,
    schema_version: u32,
}

/// The engine's effective settings (for health and diagnostics pages).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct EngineSettings {
    /// The memory limit as DuckDB prints it (e.g. `244.1 MiB`).
    pub max_memory: String,
    /// Worker threads.
    pub threads: u32,
    /// Whether known extensions load on demand (always false here).
    pub autoload_extensions: bool,
    /// Whether known extensions install on demand (always false here).
    pub autoinstall_extensions: bool,
    /// DuckDB's version.
    pub engine_version: String,
}

/// A read-only handle on a store's data (playbacks, filters, alerts, trust…). It is
/// `Send`, not `Sync`: give each thread its own.
#[derive(Debug)]
pub struct Reader {
    pub(crate) conn: Connection,
}

fn engine_config(config: &StoreConfig) -> Result<Config, OpenError> {
    let setting = |setting: &'static str| {
        move |e: duckdb::Error| OpenError::Setting {
            setting,
            source: DbError::from(e),
        }
    };
    // No extension is ever downloaded: json and parquet are linked in, and a missing
    // extension must fail at once instead of stalling on a network timeout.
    let mut c = Config::default()
        .enable_autoload_extension(false)
        .map_err(setting("autoload_known_extensions"))?;
    if let Some(limit) = config.max_memory {
        let kb = (limit.bytes() / 1000).max(1);
        c = c
            .max_memory(&format!("{kb}KB"))
            .map_err(setting("max_memory"))?;
    }
    if let Some(threads) = config.threads {
        c = c.threads(i64::from(threads)).map_err(setting("threads"))?;
    }
    Ok(c)
}

fn classify_open_error(path: &Path, existed: bool, e: duckdb::Error) -> OpenError {
    let msg = e.to_string().to_ascii_lowercase();
    if msg.contains("lock") {
        return OpenError::Locked {
            path: path.to_path_buf(),
            source: e.into(),
        };
    }
    if existed {
        return OpenError::Corrupt {
            path: path.to_path_buf(),
            source: e.into(),
        };
    }
    OpenError::Db(e.into())
}

impl Store {
    /// Opens (or creates) the store described by `config` and migrates it to the
    /// newest schema.
    ///
    /// # Errors
    /// [`OpenError::Corrupt`] when the file is not a DuckDB database,
    /// [`OpenError::NewerSchema`] when a newer build wrote it,
    /// [`OpenError::ForeignDatabase`] when another program's tables are in it,
    /// [`OpenError::Locked`] when another process has it open.
    pub fn open(config: StoreConfig) -> Result<Self, OpenError> {
        let engine = engine_config(&config)?;
        let existed_before = matches!(&config.location, Location::File(p) if p.exists());
        let (conn, label) = match &config.location {
            Location::InMemory => (
                Connection::open_in_memory_with_flags(engine)?,
                PathBuf::from(":memory:"),
            ),
            Location::File(path) => {
                let existed = path.exists();
                if existed {
                    check_header(path)?;
                }
                let conn = Connection::open_with_flags(path, engine)
                    .map_err(|e| classify_open_error(path, existed, e))?;
                (conn, path.clone())
            }
        };
        conn.execute_batch(
            "SET autoinstall_known_extensions = false; SET autoload_known_extensions = false;",
        )
        .map_err(|e| OpenError::Setting {
            setting: "autoload_known_extensions",
            source: e.into(),
        })?;
        let target = config
            .stop_at_schema_version
            .unwrap_or(schema::SCHEMA_VERSION);
        let schema_version = match schema::migrate(&conn, &label, target) {
            // A file DuckDB opened but cannot read its catalog from is damaged.
            Err(OpenError::Db(source)) if existed_before => {
                return Err(OpenError::Corrupt {
                    path: label,
                    source,
                })
            }
            other => other?,
        };
        // Batches are read by SQL through this table function (see stage.rs).
        crate::stage::register_scan(&conn)?;
        conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE audit_stage (event_id VARCHAR, layer VARCHAR,
                original VARCHAR, source VARCHAR, server_id VARCHAR, correlation_key VARCHAR,
                started_us BIGINT, payload VARCHAR);",
        )?;
        Ok(Self {
            reader: Reader { conn },
            location: config.location,
            schema_version,
        })
    }

    /// An in-memory store with default settings (for tests and tools).
    pub fn open_in_memory() -> Result<Self, OpenError> {
        Self::open(StoreConfig::in_memory())
    }

    /// The read API on the writer's own connection.
    pub fn reads(&self) -> &Reader {
        &self.reader
    }

    /// A new reader for another thread.
    pub fn new_reader(&self) -> Result<Reader, OpenError> {
        Ok(Reader {
            conn: self.reader.conn.try_clone()?,
        })
    }

    /// The schema version the file is at.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// Where the store lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Writes everything committed into the main file and truncates DuckDB's `.wal`.
    pub fn checkpoint(&mut self) -> Result<(), QueryError> {
        self.conn().execute_batch("CHECKPOINT")?;
        Ok(())
    }

    /// The database file's size in bytes (0 in memory), after a checkpoint.
    pub fn file_size(&self) -> u64 {
        match &self.location {
            Location::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Location::InMemory => 0,
        }
    }

    /// The engine's settings as it applies them.
    pub fn engine_settings(&self) -> Result<EngineSettings, QueryError> {
        Ok(self.conn().query_row(
            "SELECT current_setting('max_memory')::VARCHAR, current_setting('threads')::BIGINT,
                    current_setting('autoload_known_extensions')::BOOLEAN,
                    current_setting('autoinstall_known_extensions')::BOOLEAN, version()",
            [],
            |r| {
                Ok(EngineSettings {
                    max_memory: r.get(0)?,
                    threads: r.get::<_, i64>(1)?.max(0) as u32,
                    autoload_extensions: r.get(2)?,
                    autoinstall_extensions: r.get(3)?,
                    engine_version: r.get(4)?,
                })
            },
        )?)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.reader.conn
    }

    /// Refuses to write plays into a store left at an older schema version.
    pub(crate) fn check_writable(&self) -> Result<(), crate::error::IngestError> {
        if self.schema_version < schema::SCHEMA_VERSION {
            return Err(crate::error::IngestError::OutdatedSchema {
                found: self.schema_version,
                needed: schema::SCHEMA_VERSION,
            });
        }
        Ok(())
    }
}

/// DuckDB's file header: 8 bytes of checksum, then the magic `DUCK`. Checking it first
/// turns "some other file" into a clear error instead of an engine message.
fn check_header(path: &Path) -> Result<(), OpenError> {
    use std::io::Read;
    let mut head = [0u8; 12];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut head));
    match read {
        Ok(0) => Ok(()),
        Ok(n) if n >= 12 && &head[8..12] == b"DUCK" => Ok(()),
        Ok(_) => Err(OpenError::NotADatabase {
            path: path.to_path_buf(),
        }),
        Err(_) => Ok(()),
    }
}
