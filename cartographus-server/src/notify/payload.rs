//! The bodies sent to notification sinks, as pure functions of an alert: a Discord
//! webhook embed (colour by severity) and the documented generic JSON payload, with its
//! HMAC-SHA256 signature.

use cartographus_detect::{Alert, Severity};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// The generic webhook payload's schema version.
pub const WEBHOOK_SCHEMA_VERSION: u32 = 1;

/// The header carrying the generic webhook's signature: `sha256=<hex>` of
/// HMAC-SHA256(key, `{timestamp}.{body}`).
pub const SIGNATURE_HEADER: &str = "X-Cartographus-Signature";

/// The header carrying the signed timestamp (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "X-Cartographus-Timestamp";

fn colour(severity: Severity) -> u32 {
    match severity {
        Severity::Critical => 0xE0_3131,
        Severity::Warning => 0xF5_9F00,
        _ => 0x3B_82F6,
    }
}

/// A Discord webhook body: one embed with the rule, user, places and times.
pub fn discord(alert: &Alert) -> Value {
    let f = &alert.finding;
    let mut fields = vec![
        json!({ "name": "User", "value": f.username, "inline": true }),
        json!({ "name": "Rule", "value": f.rule.to_string(), "inline": true }),
        json!({ "name": "Severity", "value": f.severity.to_string(), "inline": true }),
    ];
    for (i, p) in f.plays.iter().take(6).enumerate() {
        let device = p.device.as_ref().map_or("unknown device", |d| d.as_str());
        fields.push(json!({
            "name": format!("Play {}", i + 1),
            "value": format!(
                "{}\n{} · started <t:{}:f>",
                p.place.label(),
                device,
                p.started_at.timestamp()
            ),
            "inline": false,
        }));
    }
    json!({
        "username": "Cartographus",
        "embeds": [{
            "title": format!("{}: {}", f.severity, f.rule),
            "description": f.message,
            "color": colour(f.severity),
            "timestamp": f.at.to_rfc3339(),
            "fields": fields,
            "footer": { "text": format!("server {} · alert {}", f.server, f.id) },
        }],
        "allowed_mentions": { "parse": [] },
    })
}

/// The generic webhook body (documented in `docs/CONFIGURATION.md`).
pub fn generic(alert: &Alert) -> Value {
    json!({
        "schema_version": WEBHOOK_SCHEMA_VERSION,
        "type": "detection_alert",
        "alert": alert,
    })
}

/// The signature header value for `body` sent at `timestamp`.
pub fn sign(key: &[u8], timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231 style check computed independently:
        // HMAC-SHA256("key", "1700000000.{}")
        let sig = sign(b"key", 1_700_000_000, b"{}");
        assert!(sig.starts_with("sha256="));
        assert_eq!(sig.len(), 7 + 64);
        assert_ne!(sig, sign(b"other", 1_700_000_000, b"{}"));
        assert_ne!(sig, sign(b"key", 1_700_000_001, b"{}"));
        // Known answer: HMAC-SHA256(key="key", msg="The quick brown fox jumps over the lazy dog").
        let mut mac = Hmac::<Sha256>::new_from_slice(b"key").unwrap();
        mac.update(b"The quick brown fox jumps over the lazy dog");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
