//! NATS settings: where the servers are, how to authenticate, TLS, and the stream and
//! consumer the events go through. Read from environment variables by
//! [`NatsConfig::from_env`] (with the lookup passed in, so tests need no real
//! environment) and validated before anything connects.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The environment variables [`NatsConfig::from_env`] reads, with what each means.
pub const NATS_ENV_VARS: &[(&str, &str)] = &[
    (
        "NATS_URL",
        "NATS server URL(s), comma-separated (default nats://127.0.0.1:4222; tls:// requires TLS)",
    ),
    (
        "NATS_CREDS_FILE",
        "path of a NATS credentials (.creds) file",
    ),
    ("NATS_USER", "user name (with NATS_PASSWORD)"),
    ("NATS_PASSWORD", "password (with NATS_USER)"),
    ("NATS_TOKEN", "authentication token"),
    (
        "NATS_TLS_REQUIRED",
        "true to refuse connections without TLS",
    ),
    (
        "NATS_TLS_CA_FILE",
        "PEM file of the CA that signed the server certificate",
    ),
    (
        "NATS_TLS_CERT_FILE",
        "PEM client certificate, for mutual TLS (with NATS_TLS_KEY_FILE)",
    ),
    (
        "NATS_TLS_KEY_FILE",
        "PEM private key of the client certificate",
    ),
];

/// A configuration problem, naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NatsConfigError {
    /// A setting has a value that cannot be used.
    #[error("{setting}: {problem}")]
    Invalid {
        /// The environment variable or field.
        setting: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// Two settings that exclude each other are both set.
    #[error("{first} and {second} cannot both be set")]
    Conflict {
        /// One setting.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// A setting needs another one that is missing.
    #[error("{setting} needs {needs}")]
    Missing {
        /// The setting that is set.
        setting: &'static str,
        /// The one it needs.
        needs: &'static str,
    },
}

/// A secret value: never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct NatsSecret(String);

impl NatsSecret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for handing to the client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NatsSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How the client authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NatsAuth {
    /// No authentication.
    #[default]
    None,
    /// A `.creds` file (user JWT and NKey seed).
    CredentialsFile(PathBuf),
    /// User name and password.
    UserPassword {
        /// The user.
        user: String,
        /// The password.
        password: NatsSecret,
    },
    /// A token.
    Token(NatsSecret),
}

/// TLS options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct NatsTls {
    /// Refuse to talk to a server without TLS.
    pub required: bool,
    /// Extra CA certificate(s) (PEM) to trust.
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key (PEM) for mutual TLS.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

/// The stream and durable consumer the events go through.
///
/// ## Defaults
/// Stream `MEDIA_EVENTS` on `playback.>`, file storage, 7-day max age, 2-minute duplicate
/// window; durable pull consumer `media-processor`, explicit ack, ack wait 30 s, max
/// deliver 5, at most 1,000 unacknowledged messages.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamSettings {
    /// The stream's name.
    pub stream: String,
    /// The subject prefix: events go to `{prefix}.{source}.{media_type}`, the stream
    /// takes `{prefix}.>`.
    pub subject_prefix: String,
    /// How long messages are kept.
    pub max_age: Duration,
    /// How long a message id is remembered for duplicate suppression.
    pub duplicate_window: Duration,
    /// The durable consumer's name.
    pub consumer: String,
    /// How long a delivered message may stay unacknowledged before redelivery.
    pub ack_wait: Duration,
    /// Deliveries of one message before it is given up (then dead-lettered).
    pub max_deliver: u32,
    /// Unacknowledged messages the consumer may have out at once.
    pub max_ack_pending: u32,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            stream: "MEDIA_EVENTS".to_owned(),
            subject_prefix: "playback".to_owned(),
            max_age: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(120),
            consumer: "media-processor".to_owned(),
            ack_wait: Duration::from_secs(30),
            max_deliver: 5,
            max_ack_pending: 1000,
        }
    }
}

/// Everything needed to connect and set up JetStream.
///
/// ## Defaults
/// `servers`: `nats://127.0.0.1:4222`; no authentication; no TLS requirement; client name
/// `cartographus`; connect timeout 5 s; request (and publish acknowledgement) timeout 5 s;
/// [`StreamSettings::default`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NatsConfig {
    /// Server URLs (`nats://host:port`, `tls://host:port` or `host:port`).
    pub servers: Vec<String>,
    /// Authentication.
    pub auth: NatsAuth,
    /// TLS.
    pub tls: NatsTls,
    /// The name the client reports to the server.
    pub client_name: String,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long to wait for JetStream API answers and publish acknowledgements.
    pub request_timeout: Duration,
    /// Stream and consumer.
    pub stream: StreamSettings,
}

impl Default for NatsConfig {
    fn default() -> Self {
        Self {
            servers: vec!["nats://127.0.0.1:4222".to_owned()],
            auth: NatsAuth::None,
            tls: NatsTls::default(),
            client_name: "cartographus".to_owned(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
            stream: StreamSettings::default(),
        }
    }
}

impl NatsConfig {
    /// The defaults overlaid with the `NATS_*` variables of [`NATS_ENV_VARS`] that `lookup`
    /// returns (empty values count as unset), validated.
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, NatsConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut config = Self::default();
        if let Some(url) = get("NATS_URL") {
            config.servers = url.split(',').map(|s| s.trim().to_owned()).collect();
        }
        let creds = get("NATS_CREDS_FILE");
        let user = get("NATS_USER");
        let password = get("NATS_PASSWORD");
        let token = get("NATS_TOKEN");
        let named = [
            ("NATS_CREDS_FILE", creds.is_some()),
            ("NATS_USER", user.is_some()),
            ("NATS_TOKEN", token.is_some()),
        ];
        let set: Vec<&'static str> = named.iter().filter(|(_, s)| *s).map(|(n, _)| *n).collect();
        if let [first, second, ..] = set[..] {
            return Err(NatsConfigError::Conflict { first, second });
        }
        config.auth = match (creds, user, password, token) {
            (Some(path), ..) => NatsAuth::CredentialsFile(PathBuf::from(path)),
            (_, Some(user), Some(password), _) => NatsAuth::UserPassword {
                user,
                password: NatsSecret::new(password),
            },
            (_, Some(_), None, _) => {
                return Err(NatsConfigError::Missing {
                    setting: "NATS_USER",
                    needs: "NATS_PASSWORD",
                })
            }
            (_, None, Some(_), _) => {
                return Err(NatsConfigError::Missing {
                    setting: "NATS_PASSWORD",
                    needs: "NATS_USER",
                })
            }
            (_, _, _, Some(token)) => NatsAuth::Token(NatsSecret::new(token)),
            _ => NatsAuth::None,
        };
        if let Some(v) = get("NATS_TLS_REQUIRED") {
            config.tls.required = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(NatsConfigError::Invalid {
                        setting: "NATS_TLS_REQUIRED",
                        problem: format!("{v:?} is not a boolean (true/false)"),
                    })
                }
            };
        }
        config.tls.ca_file = get("NATS_TLS_CA_FILE").map(PathBuf::from);
        config.tls.client_cert = match (get("NATS_TLS_CERT_FILE"), get("NATS_TLS_KEY_FILE")) {
            (Some(c), Some(k)) => Some((PathBuf::from(c), PathBuf::from(k))),
            (Some(_), None) => {
                return Err(NatsConfigError::Missing {
                    setting: "NATS_TLS_CERT_FILE",
                    needs: "NATS_TLS_KEY_FILE",
                })
            }
            (None, Some(_)) => {
                return Err(NatsConfigError::Missing {
                    setting: "NATS_TLS_KEY_FILE",
                    needs: "NATS_TLS_CERT_FILE",
                })
            }
            (None, None) => None,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks the server URLs, names and limits.
    pub fn validate(&self) -> Result<(), NatsConfigError> {
        if self.servers.is_empty() {
            return Err(invalid("NATS_URL", "no server given"));
        }
        for s in &self.servers {
            let url = if s.contains("://") {
                s.clone()
            } else {
                format!("nats://{s}")
            };
            let scheme = url.split("://").next().unwrap_or_default();
            if scheme != "nats" && scheme != "tls" {
                return Err(invalid(
                    "NATS_URL",
                    format!("{s:?}: the scheme must be nats:// or tls://"),
                ));
            }
            url.parse::<async_nats::ServerAddr>()
                .map_err(|e| invalid("NATS_URL", format!("{s:?}: {e}")))?;
        }
        let st = &self.stream;
        check_name("stream", &st.stream)?;
        check_name("consumer", &st.consumer)?;
        if st.subject_prefix.is_empty()
            || st
                .subject_prefix
                .split('.')
                .any(|t| t.is_empty() || t.contains(['*', '>', ' ', '\t']))
        {
            return Err(invalid(
                "subject_prefix",
                format!("{:?} is not a valid subject prefix", st.subject_prefix),
            ));
        }
        if st.max_deliver == 0 {
            return Err(invalid("max_deliver", "must be at least 1"));
        }
        if st.ack_wait.is_zero() || st.duplicate_window.is_zero() || st.max_age.is_zero() {
            return Err(invalid(
                "stream",
                "ack wait, duplicate window and max age must be positive",
            ));
        }
        if st.duplicate_window > st.max_age {
            return Err(invalid(
                "duplicate_window",
                "must not be longer than the max age",
            ));
        }
        Ok(())
    }

    /// The URLs a person may see: user info (`user:password@`) removed.
    pub fn redacted_servers(&self) -> String {
        self.servers
            .iter()
            .map(|s| match (s.find("://"), s.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    format!("{}***@{}", &s[..scheme_end + 3], &s[at + 1..])
                }
                (None, Some(at)) => format!("***@{}", &s[at + 1..]),
                _ => s.clone(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn invalid(setting: &'static str, problem: impl Into<String>) -> NatsConfigError {
    NatsConfigError::Invalid {
        setting,
        problem: problem.into(),
    }
}

/// JetStream names: no spaces, dots, wildcards or path separators.
fn check_name(setting: &'static str, name: &str) -> Result<(), NatsConfigError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || ".*>/\\".contains(c));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            setting,
            format!("{name:?} is not a valid JetStream name"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Result<NatsConfig, NatsConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        NatsConfig::from_env(&move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_and_overrides() {
        let c = env(&[]).unwrap();
        assert_eq!(c, NatsConfig::default());
        assert_eq!(c.servers, ["nats://127.0.0.1:4222"]);
        assert_eq!(c.stream.stream, "MEDIA_EVENTS");
        assert_eq!(c.stream.max_deliver, 5);
        let c = env(&[
            ("NATS_URL", "nats://a:4222, tls://b:4443,c"),
            ("NATS_USER", "cart"),
            ("NATS_PASSWORD", "s3cret"),
            ("NATS_TLS_REQUIRED", "yes"),
            ("NATS_TLS_CA_FILE", "/etc/ca.pem"),
            ("NATS_TLS_CERT_FILE", "/etc/c.pem"),
            ("NATS_TLS_KEY_FILE", "/etc/k.pem"),
        ])
        .unwrap();
        assert_eq!(c.servers, ["nats://a:4222", "tls://b:4443", "c"]);
        assert!(c.tls.required);
        assert_eq!(c.tls.ca_file, Some(PathBuf::from("/etc/ca.pem")));
        assert!(c.tls.client_cert.is_some());
        let shown = format!("{c:?}");
        assert!(
            shown.contains("cart") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(matches!(
            env(&[("NATS_TOKEN", "t")]).unwrap().auth,
            NatsAuth::Token(_)
        ));
        assert!(matches!(
            env(&[("NATS_CREDS_FILE", "/x.creds"), ("NATS_TOKEN", "")])
                .unwrap()
                .auth,
            NatsAuth::CredentialsFile(_)
        ));
    }

    #[test]
    fn bad_settings_are_named() {
        let err = |pairs: &[(&str, &str)]| env(pairs).unwrap_err().to_string();
        assert!(err(&[("NATS_URL", "http://x:1")]).contains("NATS_URL"));
        assert!(err(&[("NATS_URL", "nats://[::1")]).contains("NATS_URL"));
        assert!(err(&[("NATS_TOKEN", "t"), ("NATS_USER", "u")]).contains("cannot both"));
        assert!(err(&[("NATS_USER", "u")]).contains("NATS_PASSWORD"));
        assert!(err(&[("NATS_PASSWORD", "p")]).contains("NATS_USER"));
        assert!(err(&[("NATS_TLS_REQUIRED", "maybe")]).contains("NATS_TLS_REQUIRED"));
        assert!(err(&[("NATS_TLS_CERT_FILE", "/c")]).contains("NATS_TLS_KEY_FILE"));
        assert!(err(&[("NATS_TLS_KEY_FILE", "/k")]).contains("NATS_TLS_CERT_FILE"));
        let mut c = NatsConfig::default();
        c.stream.stream = "MEDIA.EVENTS".into();
        assert!(c.validate().is_err());
        let mut c = NatsConfig::default();
        c.stream.subject_prefix = "playback.*".into();
        assert!(c.validate().is_err());
        let mut c = NatsConfig::default();
        c.stream.max_deliver = 0;
        assert!(c.validate().is_err());
        let mut c = NatsConfig::default();
        c.stream.duplicate_window = Duration::from_secs(8 * 24 * 3600);
        assert!(c.validate().is_err());
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        let c = NatsConfig {
            servers: vec!["nats://u:p@h:4222".into(), "tok@h2".into(), "h3".into()],
            ..NatsConfig::default()
        };
        assert_eq!(c.redacted_servers(), "nats://***@h:4222,***@h2,h3");
    }
}
