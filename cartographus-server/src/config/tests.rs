use std::collections::HashMap;

use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn load(file: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut raw = parse_toml(file, Path::new("test.toml"))?;
    apply_env(&mut raw, &env(vars))?;
    Config::from_raw(&raw, None)
}

#[test]
fn defaults_need_only_auth_secrets() {
    let err = load("", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "setting JWT_SECRET must be at least 32 bytes long"
    );
    let c = load("", &[("JWT_SECRET", SECRET), ("ADMIN_PASSWORD", "pw")]).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:3857");
    assert_eq!(c.store_path, PathBuf::from("./data/cartographus.duckdb"));
    assert_eq!(c.auth.mode, AuthMode::Jwt);
    assert!(c.detection_enabled && c.wal_enabled && !c.nats_enabled);
    assert_eq!(c.timezone, "UTC");
}

#[test]
fn env_beats_file_beats_defaults() {
    let file = r#"
        [http]
        port = 9000
        [auth]
        mode = "none"
        [[plex]]
        name = "home"
        url = "http://plex.local:32400/"
        token = "file-token"
        [[plex]]
        name = "cabin"
        url = "https://cabin.example"
        token = "t2"
        poll_interval_s = 30
        [[jellyfin]]
        url = "http://jf:8096"
        token = "k"
    "#;
    let c = load(file, &[("HTTP_PORT", "9100"), ("PLEX_TOKEN", "env-token")]).unwrap();
    assert_eq!(c.listen.port(), 9100);
    assert_eq!(c.servers.len(), 3);
    assert_eq!(c.servers[0].name, "home");
    assert_eq!(c.servers[0].url, "http://plex.local:32400");
    assert_eq!(c.servers[0].token.expose(), "env-token");
    assert_eq!(c.servers[1].poll_interval_s, 30);
    assert_eq!(c.servers[2].platform, Platform::Jellyfin);
    assert_eq!(c.servers[2].name, "jellyfin-1");
}

#[test]
fn env_alone_configures_one_server_of_each_kind() {
    let c = load(
        "",
        &[
            ("AUTH_MODE", "none"),
            ("ENABLE_PLEX_SYNC", "true"),
            ("PLEX_URL", "http://127.0.0.1:32400"),
            ("PLEX_TOKEN", "abc"),
            ("EMBY_ENABLED", "false"),
            ("EMBY_URL", "http://emby"),
            ("EMBY_API_KEY", "k"),
        ],
    )
    .unwrap();
    assert_eq!(c.servers.len(), 1);
    assert_eq!(c.servers[0].platform, Platform::Plex);
}

#[test]
fn errors_name_the_setting_and_hide_secrets() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("HTTP_PORT", "eighty")],
            "setting HTTP_PORT is not a valid number",
        ),
        (
            &[("AUTH_MODE", "magic")],
            "setting AUTH_MODE must be one of: none, basic, jwt",
        ),
        (
            &[("AUTH_MODE", "none"), ("HTTP_HOST", "0.0.0.0")],
            "setting AUTH_MODE none is only allowed when HTTP_HOST is a loopback address",
        ),
        (
            &[
                ("AUTH_MODE", "none"),
                ("PLEX_URL", "plex.local"),
                ("PLEX_TOKEN", "x"),
            ],
            "setting plex[0].url is not an http:// or https:// URL",
        ),
        (
            &[("AUTH_MODE", "none"), ("PLEX_URL", "http://p")],
            "setting plex[0].token is required",
        ),
        (
            &[
                ("AUTH_MODE", "none"),
                ("SERVER_LATITUDE", "91"),
                ("SERVER_LONGITUDE", "0"),
            ],
            "setting SERVER_LATITUDE is out of range (-90..90 / -180..180)",
        ),
        (
            &[
                ("AUTH_MODE", "none"),
                ("CARTOGRAPHUS_TIMEZONE", "Mars/Olympus"),
            ],
            "setting CARTOGRAPHUS_TIMEZONE is not an IANA time zone name",
        ),
        (
            &[("AUTH_MODE", "none"), ("DUCKDB_MAX_MEMORY", "lots")],
            "setting DUCKDB_MAX_MEMORY is out of range (a size such as 512MB or 2GB)",
        ),
        (
            &[("WAL_ENABLED", "maybe")],
            "setting WAL_ENABLED is not true or false",
        ),
        (
            &[("AUTH_MODE", "none"), ("WAL_COMPACT_INTERVAL_S", "0")],
            "setting WAL_COMPACT_INTERVAL_S is out of range (1-86400)",
        ),
        (
            &[
                ("AUTH_MODE", "none"),
                ("TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33"),
            ],
            "setting TRUSTED_PROXIES is not a CIDR network",
        ),
        (
            &[("JWT_SECRET", "short-secret-value")],
            "setting JWT_SECRET must be at least 32 bytes long",
        ),
    ];
    for (vars, expected) in cases {
        let err = load("", vars).unwrap_err().to_string();
        assert_eq!(&err, expected);
        assert!(!err.contains("short-secret-value"));
    }
}

#[test]
fn bad_files_are_clear_errors() {
    let err = load("[http]\nport = \"x\"", &[]).unwrap_err().to_string();
    assert!(err.starts_with("config file test.toml:"), "{err}");
    let err = load("[htp]\nport = 1", &[]).unwrap_err().to_string();
    assert!(err.contains("htp"), "{err}");
    let err = load(
        "[auth]\nmode='none'\n[[geoip.overrides]]\ncidr='10.0.0.0/40'\nlatitude=1\nlongitude=1",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert_eq!(err, "setting geoip.overrides[0].cidr is not a CIDR network");
}

#[test]
fn serialised_config_hides_secrets() {
    let c = load(
        "",
        &[
            ("JWT_SECRET", SECRET),
            ("ADMIN_PASSWORD", "pw"),
            ("DISCORD_WEBHOOK_URL", "https://discord/x"),
        ],
    )
    .unwrap();
    let json = serde_json::to_string(&c).unwrap();
    assert!(!json.contains(SECRET));
    assert!(!json.contains("discord/x"));
    assert!(!format!("{c:?}").contains(SECRET));
}

#[test]
fn every_env_var_is_listed() {
    let src = include_str!("mod.rs");
    for cap in src.split("get(\"").skip(1) {
        let name = cap.split('"').next().unwrap();
        assert!(
            ENV_VARS.iter().any(|(n, _, _)| *n == name),
            "{name} missing from ENV_VARS"
        );
    }
}

#[test]
fn configuration_docs_list_every_variable() {
    let docs = include_str!("../../../docs/CONFIGURATION.md");
    let example = include_str!("../../../.env.example");
    for (name, _, _) in ENV_VARS {
        assert!(
            docs.contains(&format!("`{name}`")),
            "{name} missing from docs/CONFIGURATION.md"
        );
        assert!(
            example.contains(&format!("# {name}=")),
            "{name} missing from .env.example"
        );
    }
}
