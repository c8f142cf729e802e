//! The detection settings an operator changed through `/api/v1/detection/rules/{rule}`,
//! kept next to the store (`cartographus.duckdb` → `cartographus.rules.json`) so a
//! restart keeps them. Written atomically (a temporary file renamed over the old one);
//! read at start, where a damaged or invalid file stops the server with an error naming
//! it instead of silently falling back to the defaults.

use std::path::{Path, PathBuf};

use cartographus_detect::{DetectConfig, RawDetectConfig};

/// Why the settings file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesFileError {
    /// It could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// It is not the settings' JSON.
    #[error("{path} is not detection settings (fix or remove it): {source}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// A value is out of range.
    #[error("{path}: {source} (fix or remove it)")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: cartographus_detect::ConfigError,
    },
}

/// Where the settings of the store at `store_path` live.
pub fn path_for(store_path: &Path) -> PathBuf {
    store_path.with_extension("rules.json")
}

/// The saved settings, `None` when none were saved.
pub fn load(path: &Path) -> Result<Option<DetectConfig>, RulesFileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(RulesFileError::Io {
                path: path.to_owned(),
                source,
            })
        }
    };
    let raw: RawDetectConfig =
        serde_json::from_str(&text).map_err(|source| RulesFileError::Damaged {
            path: path.to_owned(),
            source,
        })?;
    raw.validate()
        .map(Some)
        .map_err(|source| RulesFileError::Invalid {
            path: path.to_owned(),
            source,
        })
}

/// Saves `config` atomically: readers see the old file or the new one, never half.
pub fn save(path: &Path, config: &RawDetectConfig) -> Result<(), RulesFileError> {
    let io = |source| RulesFileError::Io {
        path: path.to_owned(),
        source,
    };
    let text = serde_json::to_string_pretty(config).map_err(|e| io(std::io::Error::other(e)))?;
    let tmp = path.with_extension("rules.json.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_settings_come_back_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("c.duckdb"));
        assert_eq!(path.file_name().unwrap(), "c.rules.json");
        assert!(load(&path).unwrap().is_none());

        let mut raw = DetectConfig::default().to_raw();
        let mut json = serde_json::to_value(&raw).unwrap();
        json["rules"]["concurrent_streams"]["max_streams"] = serde_json::json!(7);
        raw = serde_json::from_value(json).unwrap();
        save(&path, &raw).unwrap();
        let back = load(&path).unwrap().unwrap();
        assert_eq!(back.to_raw(), raw);
        assert_ne!(back, DetectConfig::default());

        std::fs::write(&path, "{ not json").unwrap();
        let e = load(&path).unwrap_err();
        assert!(matches!(e, RulesFileError::Damaged { .. }), "{e}");
        assert!(e.to_string().contains("c.rules.json"), "{e}");

        let mut json = serde_json::to_value(DetectConfig::default().to_raw()).unwrap();
        json["rules"]["concurrent_streams"]["max_streams"] = serde_json::json!(0);
        std::fs::write(&path, json.to_string()).unwrap();
        let e = load(&path).unwrap_err();
        assert!(matches!(e, RulesFileError::Invalid { .. }), "{e}");
    }
}
