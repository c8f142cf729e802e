//! Stage one of the configuration: raw values as they come from the defaults, the TOML
//! file and the environment, before anything is checked. Precedence: defaults < file <
//! environment variables.

use serde::{Deserialize, Serialize};

use super::secret::Secret;

/// The whole configuration file (`cartographus.toml`). Every section and key is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    /// `[http]`
    pub http: RawHttp,
    /// `[store]`
    pub store: RawStore,
    /// `[auth]`
    pub auth: RawAuth,
    /// `[[plex]]` servers.
    pub plex: Vec<RawMediaServer>,
    /// `[[jellyfin]]` servers.
    pub jellyfin: Vec<RawMediaServer>,
    /// `[[emby]]` servers.
    pub emby: Vec<RawMediaServer>,
    /// `[tautulli]`
    pub tautulli: RawTautulli,
    /// `[geoip]`
    pub geoip: RawGeoip,
    /// `[server_location]`
    pub server_location: RawLocation,
    /// `[detection]`
    pub detection: RawDetection,
    /// `[notifications]`
    pub notifications: RawNotifications,
    /// `[wal]`
    pub wal: RawWal,
    /// `[nats]`
    pub nats: RawNats,
    /// `[analytics]`
    pub analytics: RawAnalytics,
}

/// `[http]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawHttp {
    /// Bind address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Allowed CORS origins; empty = CORS off.
    pub cors_origins: Vec<String>,
    /// Whether the server is reached over TLS (a reverse proxy): turns on HSTS and
    /// `Secure` cookies.
    pub behind_tls: bool,
    /// Reverse proxies (addresses or CIDR networks) whose `X-Forwarded-For` is
    /// believed: the client is the nearest address in it that is not one of them.
    pub trusted_proxies: Vec<String>,
    /// Largest accepted request body in bytes (uploads of `tautulli.db` excepted).
    pub max_body_bytes: usize,
    /// Largest accepted upload in bytes (`/import/tautulli`, backup restore).
    pub max_upload_bytes: usize,
}

impl Default for RawHttp {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 3857,
            cors_origins: Vec::new(),
            behind_tls: false,
            trusted_proxies: Vec::new(),
            max_body_bytes: 2 * 1024 * 1024,
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
        }
    }
}

/// `[store]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawStore {
    /// The DuckDB file.
    pub path: String,
    /// DuckDB memory limit (`2GB`, `512MB`); empty = DuckDB's default.
    pub max_memory: String,
    /// DuckDB threads; 0 = DuckDB's default.
    pub threads: u32,
    /// Backup folder.
    pub backup_dir: String,
}

impl Default for RawStore {
    fn default() -> Self {
        Self {
            path: "./data/cartographus.duckdb".into(),
            max_memory: String::new(),
            threads: 0,
            backup_dir: "./data/backups".into(),
        }
    }
}

/// `[auth]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawAuth {
    /// `none`, `basic` or `jwt`.
    pub mode: String,
    /// JWT signing secret (at least 32 bytes).
    pub jwt_secret: Secret,
    /// The admin account's name.
    pub admin_username: String,
    /// The admin account's password, or an argon2 PHC hash of it.
    pub admin_password: Secret,
    /// Token lifetime in hours.
    pub session_hours: u32,
}

impl Default for RawAuth {
    fn default() -> Self {
        Self {
            mode: "jwt".into(),
            jwt_secret: Secret::default(),
            admin_username: "admin".into(),
            admin_password: Secret::default(),
            session_hours: 24,
        }
    }
}

/// One media server (`[[plex]]`, `[[jellyfin]]`, `[[emby]]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawMediaServer {
    /// A name for logs and the UI; defaults to the kind and its position.
    pub name: String,
    /// Whether to ingest from it.
    pub enabled: Option<bool>,
    /// Base URL.
    pub url: String,
    /// Plex token or Jellyfin/Emby API key.
    pub token: Secret,
    /// Poll interval in seconds (the fallback and reconciliation poll).
    pub poll_interval_s: Option<u64>,
    /// Skip TLS verification (self-signed home servers): explicit opt-in only.
    pub tls_skip_verify: bool,
    /// A PEM file with a custom CA.
    pub ca_file: String,
    /// Shared secret a webhook must present (`?secret=` or `X-Webhook-Secret`).
    pub webhook_secret: Secret,
}

/// `[tautulli]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawTautulli {
    /// Whether to import from the Tautulli API.
    pub enabled: bool,
    /// Base URL.
    pub url: String,
    /// API key.
    pub api_key: Secret,
    /// The Plex server (name from `[[plex]]`, or its machine id) the history belongs to.
    pub plex_server: String,
}

/// `[geoip]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawGeoip {
    /// City database (`.mmdb`).
    pub city_db: String,
    /// ASN database (`.mmdb`).
    pub asn_db: String,
    /// Location overrides: CIDR → place.
    pub overrides: Vec<RawOverride>,
}

/// One location override.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawOverride {
    /// The network (`203.0.113.0/24`, `2001:db8:1::/48`).
    pub cidr: String,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// A label ("home").
    pub label: String,
    /// City.
    pub city: String,
    /// ISO country code.
    pub country: String,
}

/// `[server_location]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawLocation {
    /// Latitude of the media server.
    pub latitude: Option<f64>,
    /// Longitude of the media server.
    pub longitude: Option<f64>,
}

/// `[detection]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawDetection {
    /// Whether detection runs.
    pub enabled: bool,
}

impl Default for RawDetection {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// `[notifications]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawNotifications {
    /// Discord webhook URL.
    pub discord_webhook_url: Secret,
    /// Generic JSON webhook URL.
    pub webhook_url: Secret,
    /// HMAC-SHA256 key for the generic webhook's signature header.
    pub webhook_secret: Secret,
}

/// `[wal]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawWal {
    /// Whether events go through the write-ahead log.
    pub enabled: bool,
    /// The WAL file.
    pub path: String,
    /// Seconds between WAL upkeeps (replay of what the store refused, compaction).
    pub compact_interval_s: u64,
}

impl Default for RawWal {
    fn default() -> Self {
        Self {
            enabled: true,
            path: "./data/cartographus.wal".into(),
            compact_interval_s: 3600,
        }
    }
}

/// `[nats]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawNats {
    /// Whether events go through NATS JetStream.
    pub enabled: bool,
    /// Server URL.
    pub url: String,
    /// A credentials file.
    pub credentials_file: String,
}

impl Default for RawNats {
    fn default() -> Self {
        Self {
            enabled: false,
            url: "nats://127.0.0.1:4222".into(),
            credentials_file: String::new(),
        }
    }
}

/// `[analytics]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawAnalytics {
    /// IANA time zone for hour-of-day, day-of-week and calendar answers; empty = the
    /// machine's local zone (`TZ`), else UTC.
    pub timezone: String,
}

/// Where an environment variable's value goes. `ENV_VARS` lists every one with a
/// description and default, for `docs/CONFIGURATION.md` and `.env.example`.
pub const ENV_VARS: &[(&str, &str, &str)] = &[
    (
        "CONFIG_PATH",
        "path of the TOML config file",
        "./cartographus.toml if present",
    ),
    ("HTTP_HOST", "bind address", "127.0.0.1"),
    ("HTTP_PORT", "HTTP port", "3857"),
    (
        "CORS_ORIGINS",
        "comma-separated allowed origins (empty: CORS off)",
        "",
    ),
    (
        "BEHIND_TLS",
        "served over TLS by a reverse proxy (HSTS, Secure cookies)",
        "false",
    ),
    (
        "TRUSTED_PROXIES",
        "comma-separated reverse proxy addresses/CIDRs whose X-Forwarded-For names the client (rate limits per client)",
        "",
    ),
    ("DUCKDB_PATH", "DuckDB file", "./data/cartographus.duckdb"),
    (
        "DUCKDB_MAX_MEMORY",
        "DuckDB memory limit, e.g. 2GB",
        "DuckDB's default",
    ),
    ("DUCKDB_THREADS", "DuckDB threads", "DuckDB's default"),
    ("BACKUP_DIR", "backup folder", "./data/backups"),
    ("AUTH_MODE", "none | basic | jwt", "jwt"),
    (
        "JWT_SECRET",
        "JWT signing secret, at least 32 bytes (jwt mode)",
        "",
    ),
    ("ADMIN_USERNAME", "admin account name", "admin"),
    ("ADMIN_PASSWORD", "admin password or argon2 PHC hash", ""),
    (
        "ENABLE_PLEX_SYNC",
        "ingest from the Plex server below",
        "false",
    ),
    ("PLEX_URL", "Plex base URL", ""),
    ("PLEX_TOKEN", "Plex token", ""),
    (
        "PLEX_WEBHOOK_SECRET",
        "secret Plex webhooks must present",
        "",
    ),
    (
        "JELLYFIN_ENABLED",
        "ingest from the Jellyfin server below",
        "false",
    ),
    ("JELLYFIN_URL", "Jellyfin base URL", ""),
    ("JELLYFIN_API_KEY", "Jellyfin API key", ""),
    ("EMBY_ENABLED", "ingest from the Emby server below", "false"),
    ("EMBY_URL", "Emby base URL", ""),
    ("EMBY_API_KEY", "Emby API key", ""),
    (
        "TAUTULLI_ENABLED",
        "import history from the Tautulli API",
        "false",
    ),
    ("TAUTULLI_URL", "Tautulli base URL", ""),
    ("TAUTULLI_API_KEY", "Tautulli API key", ""),
    (
        "GEOIP_CITY_DB",
        "City .mmdb (GeoLite2, GeoIP2 or DB-IP City Lite)",
        "",
    ),
    ("GEOIP_ASN_DB", "ASN .mmdb", ""),
    (
        "SERVER_LATITUDE",
        "latitude of the media server (map arcs, LAN plays)",
        "",
    ),
    ("SERVER_LONGITUDE", "longitude of the media server", ""),
    (
        "DETECTION_ENABLED",
        "run the sharing-detection rules",
        "true",
    ),
    ("DISCORD_WEBHOOK_URL", "Discord webhook for alerts", ""),
    ("WEBHOOK_URL", "generic JSON webhook for alerts", ""),
    (
        "WEBHOOK_SECRET",
        "HMAC-SHA256 key for the generic webhook",
        "",
    ),
    ("WAL_ENABLED", "write-ahead log before the store", "true"),
    (
        "WAL_PATH",
        "write-ahead log file",
        "./data/cartographus.wal",
    ),
    (
        "WAL_COMPACT_INTERVAL_S",
        "seconds between WAL compactions (sooner after 100,000 confirmed entries; refused plays are retried every minute at most) (1-86400)",
        "3600",
    ),
    (
        "NATS_ENABLED",
        "publish and consume through NATS JetStream",
        "false",
    ),
    ("NATS_URL", "NATS server URL", "nats://127.0.0.1:4222"),
    ("NATS_CREDENTIALS", "NATS credentials file", ""),
    (
        "CARTOGRAPHUS_TIMEZONE",
        "IANA time zone of analytics answers",
        "TZ, else UTC",
    ),
];
