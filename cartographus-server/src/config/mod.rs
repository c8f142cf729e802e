//! Configuration in two stages (as ripgrep does it): [`raw`] holds values as read from
//! defaults, `cartographus.toml` and the environment; [`Config::from_raw`] checks them
//! once and produces the validated [`Config`] the rest of the program takes. Errors name
//! the setting (`HTTP_PORT`, `plex[0].url`) and never echo a secret.

pub mod raw;
mod secret;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use cartographus_core::{GeoPoint, NetworkId, Platform};
use serde::Serialize;

pub use raw::{RawConfig, RawMediaServer, ENV_VARS};
pub use secret::Secret;

/// What is wrong with a setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The setting must be given.
    #[error("is required")]
    Required,
    /// The value is not a whole number in range.
    #[error("is not a valid number")]
    NotANumber,
    /// The value is not `true`/`false` (or 1/0, yes/no, on/off).
    #[error("is not true or false")]
    NotABool,
    /// The value is outside its allowed range.
    #[error("is out of range ({0})")]
    OutOfRange(&'static str),
    /// The value is not an http(s) URL.
    #[error("is not an http:// or https:// URL")]
    BadUrl,
    /// The value is not one of the allowed choices.
    #[error("must be one of: {0}")]
    Choice(&'static str),
    /// A secret is too short.
    #[error("must be at least {0} bytes long")]
    TooShort(usize),
    /// The value is not a CIDR network.
    #[error("is not a CIDR network")]
    BadCidr,
    /// The value is not an IANA time zone.
    #[error("is not an IANA time zone name")]
    BadTimezone,
    /// The value is not an IP address.
    #[error("is not an IP address")]
    BadAddress,
    /// The setting conflicts with another.
    #[error("{0}")]
    Conflict(&'static str),
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid TOML for this configuration.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A setting has a bad value.
    #[error("setting {setting} {problem}")]
    Invalid {
        /// The setting's name (environment variable or file key).
        setting: String,
        /// What is wrong.
        problem: Problem,
    },
}

fn invalid(setting: impl Into<String>, problem: Problem) -> ConfigError {
    ConfigError::Invalid {
        setting: setting.into(),
        problem,
    }
}

/// How requests are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// No authentication: only allowed when bound to loopback.
    None,
    /// HTTP Basic with argon2-hashed passwords.
    Basic,
    /// Login issues a signed token (cookie and bearer).
    Jwt,
}

/// The validated configuration.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Config {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Allowed CORS origins (empty: CORS off).
    pub cors_origins: Vec<String>,
    /// Served over TLS by a proxy.
    pub behind_tls: bool,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<cartographus_core::NetworkId>,
    /// Request body limit in bytes.
    pub max_body_bytes: usize,
    /// Upload limit in bytes.
    pub max_upload_bytes: usize,
    /// The DuckDB file.
    pub store_path: PathBuf,
    /// DuckDB memory limit.
    pub store_max_memory: Option<String>,
    /// DuckDB threads.
    pub store_threads: Option<u32>,
    /// Backup folder.
    pub backup_dir: PathBuf,
    /// Authentication.
    pub auth: AuthConfig,
    /// Media servers to ingest from.
    pub servers: Vec<MediaServerConfig>,
    /// Tautulli API import.
    pub tautulli: Option<TautulliConfig>,
    /// City database.
    pub geoip_city_db: Option<PathBuf>,
    /// ASN database.
    pub geoip_asn_db: Option<PathBuf>,
    /// Location overrides.
    pub location_overrides: Vec<LocationOverride>,
    /// The media server's own location.
    pub server_location: Option<GeoPoint>,
    /// Whether detection runs.
    pub detection_enabled: bool,
    /// Discord webhook.
    pub discord_webhook_url: Option<Secret>,
    /// Generic webhook.
    pub webhook_url: Option<Secret>,
    /// Generic webhook HMAC key.
    pub webhook_secret: Option<Secret>,
    /// Write-ahead log.
    pub wal_enabled: bool,
    /// WAL file.
    pub wal_path: PathBuf,
    /// Time between WAL upkeeps (replay, compaction).
    pub wal_compact_interval: std::time::Duration,
    /// NATS JetStream.
    pub nats_enabled: bool,
    /// NATS URL.
    pub nats_url: String,
    /// NATS credentials file.
    pub nats_credentials: Option<PathBuf>,
    /// Time zone of analytics answers.
    pub timezone: String,
}

/// Authentication settings.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct AuthConfig {
    /// The mode.
    pub mode: AuthMode,
    /// JWT signing key.
    pub jwt_secret: Secret,
    /// Admin name.
    pub admin_username: String,
    /// Admin password or argon2 hash.
    pub admin_password: Secret,
    /// Token lifetime in hours.
    pub session_hours: u32,
}

/// One media server.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct MediaServerConfig {
    /// Plex, Jellyfin or Emby.
    pub platform: Platform,
    /// Its name.
    pub name: String,
    /// Base URL (no trailing slash).
    pub url: String,
    /// Token / API key.
    pub token: Secret,
    /// Poll interval in seconds.
    pub poll_interval_s: u64,
    /// Skip TLS verification.
    pub tls_skip_verify: bool,
    /// Custom CA file.
    pub ca_file: Option<PathBuf>,
    /// Webhook secret.
    pub webhook_secret: Option<Secret>,
}

/// Tautulli API import.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct TautulliConfig {
    /// Base URL.
    pub url: String,
    /// API key.
    pub api_key: Secret,
    /// The Plex server the history belongs to.
    pub plex_server: String,
}

/// A location override.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct LocationOverride {
    /// The network.
    pub network: NetworkId,
    /// The place.
    pub point: GeoPoint,
    /// Label.
    pub label: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country code.
    pub country: Option<String>,
}

/// Reads `path` into a raw config (TOML).
pub fn read_file(path: &Path) -> Result<RawConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_toml(&text, path)
}

/// Parses TOML text into a raw config.
pub fn parse_toml(text: &str, path: &Path) -> Result<RawConfig, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

fn parse_bool(name: &str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(invalid(name, Problem::NotABool)),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, ConfigError> {
    v.trim()
        .parse()
        .map_err(|_| invalid(name, Problem::NotANumber))
}

/// Overlays environment variables (read through `env`) on a raw config.
pub fn apply_env(
    raw: &mut RawConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    let get = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(v) = get("HTTP_HOST") {
        raw.http.host = v;
    }
    if let Some(v) = get("HTTP_PORT") {
        raw.http.port = parse_num("HTTP_PORT", &v)?;
    }
    if let Some(v) = get("CORS_ORIGINS") {
        raw.http.cors_origins = v.split(',').map(|s| s.trim().to_owned()).collect();
    }
    if let Some(v) = get("BEHIND_TLS") {
        raw.http.behind_tls = parse_bool("BEHIND_TLS", &v)?;
    }
    if let Some(v) = get("TRUSTED_PROXIES") {
        raw.http.trusted_proxies = v
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
    }
    if let Some(v) = get("DUCKDB_PATH") {
        raw.store.path = v;
    }
    if let Some(v) = get("DUCKDB_MAX_MEMORY") {
        raw.store.max_memory = v;
    }
    if let Some(v) = get("DUCKDB_THREADS") {
        raw.store.threads = parse_num("DUCKDB_THREADS", &v)?;
    }
    if let Some(v) = get("BACKUP_DIR") {
        raw.store.backup_dir = v;
    }
    if let Some(v) = get("AUTH_MODE") {
        raw.auth.mode = v;
    }
    if let Some(v) = get("JWT_SECRET") {
        raw.auth.jwt_secret = Secret::new(v);
    }
    if let Some(v) = get("ADMIN_USERNAME") {
        raw.auth.admin_username = v;
    }
    if let Some(v) = get("ADMIN_PASSWORD") {
        raw.auth.admin_password = Secret::new(v);
    }
    let servers = [
        ("ENABLE_PLEX_SYNC", "PLEX_URL", "PLEX_TOKEN", "plex"),
        (
            "JELLYFIN_ENABLED",
            "JELLYFIN_URL",
            "JELLYFIN_API_KEY",
            "jellyfin",
        ),
        ("EMBY_ENABLED", "EMBY_URL", "EMBY_API_KEY", "emby"),
    ];
    for (enabled_var, url_var, token_var, kind) in servers {
        let enabled = get(enabled_var)
            .map(|v| parse_bool(enabled_var, &v))
            .transpose()?;
        let url = get(url_var);
        let token = get(token_var);
        if enabled.is_none() && url.is_none() && token.is_none() {
            continue;
        }
        let list = match kind {
            "plex" => &mut raw.plex,
            "jellyfin" => &mut raw.jellyfin,
            _ => &mut raw.emby,
        };
        if list.is_empty() {
            list.push(RawMediaServer {
                name: kind.to_owned(),
                ..RawMediaServer::default()
            });
        }
        let first = &mut list[0];
        if let Some(e) = enabled {
            first.enabled = Some(e);
        }
        if let Some(u) = url {
            first.url = u;
        }
        if let Some(t) = token {
            first.token = Secret::new(t);
        }
        if kind == "plex" {
            if let Some(s) = get("PLEX_WEBHOOK_SECRET") {
                first.webhook_secret = Secret::new(s);
            }
        }
    }
    if let Some(v) = get("TAUTULLI_ENABLED") {
        raw.tautulli.enabled = parse_bool("TAUTULLI_ENABLED", &v)?;
    }
    if let Some(v) = get("TAUTULLI_URL") {
        raw.tautulli.url = v;
    }
    if let Some(v) = get("TAUTULLI_API_KEY") {
        raw.tautulli.api_key = Secret::new(v);
    }
    if let Some(v) = get("GEOIP_CITY_DB") {
        raw.geoip.city_db = v;
    }
    if let Some(v) = get("GEOIP_ASN_DB") {
        raw.geoip.asn_db = v;
    }
    if let Some(v) = get("SERVER_LATITUDE") {
        raw.server_location.latitude = Some(parse_num("SERVER_LATITUDE", &v)?);
    }
    if let Some(v) = get("SERVER_LONGITUDE") {
        raw.server_location.longitude = Some(parse_num("SERVER_LONGITUDE", &v)?);
    }
    if let Some(v) = get("DETECTION_ENABLED") {
        raw.detection.enabled = parse_bool("DETECTION_ENABLED", &v)?;
    }
    if let Some(v) = get("DISCORD_WEBHOOK_URL") {
        raw.notifications.discord_webhook_url = Secret::new(v);
    }
    if let Some(v) = get("WEBHOOK_URL") {
        raw.notifications.webhook_url = Secret::new(v);
    }
    if let Some(v) = get("WEBHOOK_SECRET") {
        raw.notifications.webhook_secret = Secret::new(v);
    }
    if let Some(v) = get("WAL_ENABLED") {
        raw.wal.enabled = parse_bool("WAL_ENABLED", &v)?;
    }
    if let Some(v) = get("WAL_PATH") {
        raw.wal.path = v;
    }
    if let Some(v) = get("WAL_COMPACT_INTERVAL_S") {
        raw.wal.compact_interval_s = parse_num("WAL_COMPACT_INTERVAL_S", &v)?;
    }
    if let Some(v) = get("NATS_ENABLED") {
        raw.nats.enabled = parse_bool("NATS_ENABLED", &v)?;
    }
    if let Some(v) = get("NATS_URL") {
        raw.nats.url = v;
    }
    if let Some(v) = get("NATS_CREDENTIALS") {
        raw.nats.credentials_file = v;
    }
    if let Some(v) = get("CARTOGRAPHUS_TIMEZONE") {
        raw.analytics.timezone = v;
    }
    Ok(())
}

fn check_url(setting: &str, url: &str) -> Result<String, ConfigError> {
    let u = url.trim().trim_end_matches('/');
    let rest = u
        .strip_prefix("http://")
        .or_else(|| u.strip_prefix("https://"))
        .ok_or_else(|| invalid(setting, Problem::BadUrl))?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(invalid(setting, Problem::BadUrl));
    }
    Ok(u.to_owned())
}

fn non_empty_path(s: &str) -> Option<PathBuf> {
    (!s.trim().is_empty()).then(|| PathBuf::from(s.trim()))
}

fn non_empty_secret(s: &Secret) -> Option<Secret> {
    (!s.is_empty()).then(|| s.clone())
}

impl Config {
    /// Checks a raw configuration. `local_tz` is the machine's zone name, used when no
    /// zone is configured.
    pub fn from_raw(raw: &RawConfig, local_tz: Option<&str>) -> Result<Self, ConfigError> {
        let host: IpAddr = raw
            .http
            .host
            .trim()
            .parse()
            .map_err(|_| invalid("HTTP_HOST", Problem::BadAddress))?;
        if raw.http.port == 0 {
            return Err(invalid("HTTP_PORT", Problem::OutOfRange("1-65535")));
        }
        let listen = SocketAddr::new(host, raw.http.port);
        let auth = validate_auth(raw, host)?;
        let mut servers = Vec::new();
        for (platform, list, kind) in [
            (Platform::Plex, &raw.plex, "plex"),
            (Platform::Jellyfin, &raw.jellyfin, "jellyfin"),
            (Platform::Emby, &raw.emby, "emby"),
        ] {
            for (i, s) in list.iter().enumerate() {
                if s.enabled == Some(false) {
                    continue;
                }
                let url = check_url(&format!("{kind}[{i}].url"), &s.url)?;
                if s.token.is_empty() {
                    return Err(invalid(format!("{kind}[{i}].token"), Problem::Required));
                }
                let poll = s.poll_interval_s.unwrap_or(10);
                if !(1..=3600).contains(&poll) {
                    return Err(invalid(
                        format!("{kind}[{i}].poll_interval_s"),
                        Problem::OutOfRange("1-3600"),
                    ));
                }
                let name = if s.name.trim().is_empty() {
                    format!("{kind}-{}", i + 1)
                } else {
                    s.name.trim().to_owned()
                };
                if servers.iter().any(|o: &MediaServerConfig| o.name == name) {
                    return Err(invalid(
                        format!("{kind}[{i}].name"),
                        Problem::Conflict("server names must be unique"),
                    ));
                }
                servers.push(MediaServerConfig {
                    platform,
                    name,
                    url,
                    token: s.token.clone(),
                    poll_interval_s: poll,
                    tls_skip_verify: s.tls_skip_verify,
                    ca_file: non_empty_path(&s.ca_file),
                    webhook_secret: non_empty_secret(&s.webhook_secret),
                });
            }
        }
        let tautulli = if raw.tautulli.enabled {
            let url = check_url("TAUTULLI_URL", &raw.tautulli.url)?;
            if raw.tautulli.api_key.is_empty() {
                return Err(invalid("TAUTULLI_API_KEY", Problem::Required));
            }
            Some(TautulliConfig {
                url,
                api_key: raw.tautulli.api_key.clone(),
                plex_server: raw.tautulli.plex_server.clone(),
            })
        } else {
            None
        };
        let server_location = match (raw.server_location.latitude, raw.server_location.longitude) {
            (None, None) => None,
            (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon).map_err(|e| {
                let setting = match e {
                    cartographus_core::GeoPointError::Latitude(_) => "SERVER_LATITUDE",
                    _ => "SERVER_LONGITUDE",
                };
                invalid(setting, Problem::OutOfRange("-90..90 / -180..180"))
            })?),
            (Some(_), None) => return Err(invalid("SERVER_LONGITUDE", Problem::Required)),
            (None, Some(_)) => return Err(invalid("SERVER_LATITUDE", Problem::Required)),
        };
        let mut location_overrides = Vec::new();
        for (i, o) in raw.geoip.overrides.iter().enumerate() {
            let network: NetworkId = o
                .cidr
                .parse()
                .map_err(|_| invalid(format!("geoip.overrides[{i}].cidr"), Problem::BadCidr))?;
            let point = GeoPoint::new(o.latitude, o.longitude).map_err(|_| {
                invalid(
                    format!("geoip.overrides[{i}]"),
                    Problem::OutOfRange("latitude -90..90, longitude -180..180"),
                )
            })?;
            let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
            location_overrides.push(LocationOverride {
                network,
                point,
                label: opt(&o.label),
                city: opt(&o.city),
                country: opt(&o.country).map(|c| c.to_ascii_uppercase()),
            });
        }
        let timezone = match raw.analytics.timezone.trim() {
            "" => local_tz
                .filter(|z| z.parse::<chrono_tz::Tz>().is_ok())
                .unwrap_or("UTC")
                .to_owned(),
            z => {
                z.parse::<chrono_tz::Tz>()
                    .map_err(|_| invalid("CARTOGRAPHUS_TIMEZONE", Problem::BadTimezone))?;
                z.to_owned()
            }
        };
        let max_memory = raw.store.max_memory.trim();
        if !max_memory.is_empty() && !valid_memory_size(max_memory) {
            return Err(invalid(
                "DUCKDB_MAX_MEMORY",
                Problem::OutOfRange("a size such as 512MB or 2GB"),
            ));
        }
        if raw.store.path.trim().is_empty() {
            return Err(invalid("DUCKDB_PATH", Problem::Required));
        }
        let trusted_proxies = raw
            .http
            .trusted_proxies
            .iter()
            .map(|p| {
                p.parse()
                    .map_err(|_| invalid("TRUSTED_PROXIES", Problem::BadCidr))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !(1..=86_400).contains(&raw.wal.compact_interval_s) {
            return Err(invalid(
                "WAL_COMPACT_INTERVAL_S",
                Problem::OutOfRange("1-86400"),
            ));
        }
        Ok(Config {
            listen,
            cors_origins: raw
                .http
                .cors_origins
                .iter()
                .filter(|o| !o.is_empty())
                .cloned()
                .collect(),
            behind_tls: raw.http.behind_tls,
            trusted_proxies,
            max_body_bytes: raw.http.max_body_bytes.max(1024),
            max_upload_bytes: raw.http.max_upload_bytes.max(1024),
            store_path: PathBuf::from(raw.store.path.trim()),
            store_max_memory: (!max_memory.is_empty()).then(|| max_memory.to_owned()),
            store_threads: (raw.store.threads > 0).then_some(raw.store.threads),
            backup_dir: PathBuf::from(raw.store.backup_dir.trim()),
            auth,
            servers,
            tautulli,
            geoip_city_db: non_empty_path(&raw.geoip.city_db),
            geoip_asn_db: non_empty_path(&raw.geoip.asn_db),
            location_overrides,
            server_location,
            detection_enabled: raw.detection.enabled,
            discord_webhook_url: non_empty_secret(&raw.notifications.discord_webhook_url),
            webhook_url: non_empty_secret(&raw.notifications.webhook_url),
            webhook_secret: non_empty_secret(&raw.notifications.webhook_secret),
            wal_enabled: raw.wal.enabled,
            wal_path: PathBuf::from(raw.wal.path.trim()),
            wal_compact_interval: std::time::Duration::from_secs(raw.wal.compact_interval_s),
            nats_enabled: raw.nats.enabled,
            nats_url: raw.nats.url.trim().to_owned(),
            nats_credentials: non_empty_path(&raw.nats.credentials_file),
            timezone,
        })
    }
}

fn valid_memory_size(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    let digits_end = upper
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(upper.len());
    let (num, unit) = upper.split_at(digits_end);
    num.parse::<f64>().is_ok_and(|n| n > 0.0)
        && matches!(
            unit.trim(),
            "B" | "KB" | "MB" | "GB" | "TB" | "KIB" | "MIB" | "GIB" | "TIB"
        )
}

fn validate_auth(raw: &RawConfig, host: IpAddr) -> Result<AuthConfig, ConfigError> {
    let mode = match raw.auth.mode.trim().to_ascii_lowercase().as_str() {
        "none" => AuthMode::None,
        "basic" => AuthMode::Basic,
        "jwt" | "" => AuthMode::Jwt,
        _ => return Err(invalid("AUTH_MODE", Problem::Choice("none, basic, jwt"))),
    };
    if mode == AuthMode::None && !host.is_loopback() {
        return Err(invalid(
            "AUTH_MODE",
            Problem::Conflict("none is only allowed when HTTP_HOST is a loopback address"),
        ));
    }
    if mode == AuthMode::Jwt && raw.auth.jwt_secret.expose().len() < 32 {
        return Err(invalid("JWT_SECRET", Problem::TooShort(32)));
    }
    if mode != AuthMode::None {
        if raw.auth.admin_username.trim().is_empty() {
            return Err(invalid("ADMIN_USERNAME", Problem::Required));
        }
        if raw.auth.admin_password.is_empty() {
            return Err(invalid("ADMIN_PASSWORD", Problem::Required));
        }
    }
    if !(1..=24 * 30).contains(&raw.auth.session_hours) {
        return Err(invalid("auth.session_hours", Problem::OutOfRange("1-720")));
    }
    Ok(AuthConfig {
        mode,
        jwt_secret: raw.auth.jwt_secret.clone(),
        admin_username: raw.auth.admin_username.trim().to_owned(),
        admin_password: raw.auth.admin_password.clone(),
        session_hours: raw.auth.session_hours,
    })
}

#[cfg(test)]
mod tests;
