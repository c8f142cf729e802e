//! The rules: what each one is called, how severe its findings are, what the engine does
//! beyond notifying, and the settings every rule shares (on/off switch, severity,
//! action, cooldown). Each rule lives in its own module with its own validated config,
//! typed evidence and check function; the engine calls them in [`RuleKind::ALL`] order.

use std::fmt;
use std::str::FromStr;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

pub(crate) mod concurrent_streams;
pub(crate) mod device_velocity;
pub(crate) mod geo_restriction;
pub(crate) mod impossible_travel;
pub(crate) mod new_country;
pub(crate) mod new_device;
pub(crate) mod shared_device;
pub(crate) mod simultaneous_locations;
pub(crate) mod suspicious_client;

/// A detection rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A user's play far from their previous play, sooner than travel allows.
    ImpossibleTravel = 0,
    /// More active streams of one user (or person) than allowed.
    ConcurrentStreams = 1,
    /// One device seen on many networks within minutes.
    DeviceVelocity = 2,
    /// A play from a blocked (or not allowed) country.
    GeoRestriction = 3,
    /// Two plays of one user active at once, far apart, from different devices.
    SimultaneousLocations = 4,
    /// A user with enough history plays on a device never seen before.
    NewDevice = 5,
    /// A user with enough history plays from a country never seen before.
    NewCountry = 6,
    /// One device, or one network, used by several accounts that are not linked.
    SharedDevice = 7,
    /// A client that looks like a script, or a device that changed platform.
    SuspiciousClient = 8,
}

impl RuleKind {
    /// How many rules there are.
    pub const COUNT: usize = 9;

    /// Every rule, in the order the engine runs them.
    pub const ALL: [RuleKind; RuleKind::COUNT] = [
        RuleKind::ImpossibleTravel,
        RuleKind::ConcurrentStreams,
        RuleKind::DeviceVelocity,
        RuleKind::GeoRestriction,
        RuleKind::SimultaneousLocations,
        RuleKind::NewDevice,
        RuleKind::NewCountry,
        RuleKind::SharedDevice,
        RuleKind::SuspiciousClient,
    ];

    /// The stable snake_case name (`impossible_travel`…), as in config files and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::ImpossibleTravel => "impossible_travel",
            RuleKind::ConcurrentStreams => "concurrent_streams",
            RuleKind::DeviceVelocity => "device_velocity",
            RuleKind::GeoRestriction => "geo_restriction",
            RuleKind::SimultaneousLocations => "simultaneous_locations",
            RuleKind::NewDevice => "new_device",
            RuleKind::NewCountry => "new_country",
            RuleKind::SharedDevice => "shared_device",
            RuleKind::SuspiciousClient => "suspicious_client",
        }
    }

    /// The rule's position in [`RuleKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that is not a rule name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("{value:?} is not a rule; expected one of impossible_travel, concurrent_streams, device_velocity, geo_restriction, simultaneous_locations, new_device, new_country, shared_device, suspicious_client")]
pub struct UnknownRule {
    /// The text given, cut to 64 characters.
    pub value: String,
}

impl FromStr for RuleKind {
    type Err = UnknownRule;
    fn from_str(s: &str) -> Result<Self, UnknownRule> {
        RuleKind::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRule {
                value: s.chars().take(64).collect(),
            })
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; costs no trust by default.
    Info,
    /// Probably sharing.
    Warning,
    /// Almost certainly sharing.
    Critical,
}

impl Severity {
    /// The stable text form (`info`, `warning`, `critical`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the server does with a rule's findings beyond notifying (which it always does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Only notify.
    #[default]
    Notify,
    /// Terminate the stream that triggered the finding, with a message to the viewer
    /// (only if that play is still going on: a finding about a stopped play notifies).
    Terminate,
    /// Terminate it only if the user is restricted (trust below the threshold) once the
    /// finding's penalty is applied.
    TerminateIfRestricted,
}

/// The message a viewer sees when a stream is terminated, unless a rule sets its own.
pub const DEFAULT_TERMINATE_MESSAGE: &str =
    "This stream was stopped by the server owner's account-sharing policy.";

/// The validated settings every rule has.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Common {
    pub(crate) enabled: bool,
    pub(crate) severity: Severity,
    pub(crate) action: ActionKind,
    pub(crate) cooldown: Option<Duration>,
    pub(crate) terminate_message: String,
}

impl Common {
    pub(crate) fn validate(
        rule: RuleKind,
        enabled: bool,
        severity: Severity,
        action: ActionKind,
        cooldown_s: Option<u64>,
        terminate_message: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let cooldown = cooldown_s
            .map(|s| crate::config::seconds(rule.as_str(), "cooldown_s", s))
            .transpose()?;
        let terminate_message = match terminate_message.map(str::trim) {
            None => DEFAULT_TERMINATE_MESSAGE.to_owned(),
            Some("") => {
                return Err(ConfigError::Empty {
                    section: rule.as_str(),
                    setting: "terminate_message",
                })
            }
            Some(m) => m.to_owned(),
        };
        Ok(Self {
            enabled,
            severity,
            action,
            cooldown,
            terminate_message,
        })
    }
}

/// Declares a rule's raw (serde) config: the shared settings plus the rule's own, with
/// their defaults, and `Default`.
macro_rules! raw_rule_config {
    (
        $(#[$meta:meta])*
        $name:ident, $rule:expr, enabled = $enabled:expr, severity = $severity:expr,
        { $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $default:expr ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        #[non_exhaustive]
        pub struct $name {
            /// Whether the rule runs.
            pub enabled: bool,
            /// The severity of its findings.
            pub severity: $crate::rules::Severity,
            /// What the server does beyond notifying.
            pub action: $crate::rules::ActionKind,
            /// The cooldown in seconds; empty = the engine's `cooldown_s`.
            pub cooldown_s: Option<u64>,
            /// The message shown to a viewer whose stream is terminated; empty = the
            /// default message.
            pub terminate_message: Option<String>,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    enabled: $enabled,
                    severity: $severity,
                    action: $crate::rules::ActionKind::Notify,
                    cooldown_s: None,
                    terminate_message: None,
                    $( $field: $default, )*
                }
            }
        }

        impl $name {
            fn common(&self) -> Result<$crate::rules::Common, $crate::config::ConfigError> {
                $crate::rules::Common::validate(
                    $rule,
                    self.enabled,
                    self.severity,
                    self.action,
                    self.cooldown_s,
                    self.terminate_message.as_deref(),
                )
            }

            fn from_common(c: &$crate::rules::Common) -> Self {
                let message = (c.terminate_message != $crate::rules::DEFAULT_TERMINATE_MESSAGE)
                    .then(|| c.terminate_message.clone());
                Self {
                    enabled: c.enabled,
                    severity: c.severity,
                    action: c.action,
                    cooldown_s: c.cooldown.map(|d| d.num_seconds().max(0) as u64),
                    terminate_message: message,
                    ..Self::default()
                }
            }
        }
    };
}
pub(crate) use raw_rule_config;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_round_trip() {
        for (i, r) in RuleKind::ALL.into_iter().enumerate() {
            assert_eq!(r.index(), i);
            assert_eq!(r.as_str().parse::<RuleKind>().unwrap(), r);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        assert!("travel".parse::<RuleKind>().is_err());
        assert!(Severity::Critical > Severity::Warning && Severity::Warning > Severity::Info);
    }

    #[test]
    fn whole_numbers_are_written_as_the_float_formatter_writes_them() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.499_999_999_999_999_94,
            123.5,
            4_503_599_627_370_495.5,
            1e15 - 0.5,
            1e15,
            1e300,
            -3.7,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((x % 17) as i32);
            values.extend([v, (v * 2.0).round() / 2.0]);
        }
        for v in values {
            assert_eq!(Whole(v).to_string(), format!("{v:.0}"), "{v:?}");
        }
    }
}

/// What a rule found: its evidence and the plays involved (the trigger last).
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) evidence: crate::finding::Evidence,
    pub(crate) plays: Vec<crate::window::Play>,
}

/// A number written as `{:.0}` writes it (rounded half to even), but as an integer
/// when it is a non-negative number below 10^15 — the same text, without the float
/// formatter's exact decimal conversion. Anything else goes through `{:.0}`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Whole(pub(crate) f64);

impl fmt::Display for Whole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        // `is_sign_positive` keeps -0.0 (written "-0") on the slow path; NaN and
        // infinities fail the comparison.
        if x.is_sign_positive() && x < 1e15 {
            fmt::Display::fmt(&(x.round_ties_even() as u64), f)
        } else {
            write!(f, "{x:.0}")
        }
    }
}

/// A duration for people: "40 s", "12 min", "3.5 h", "2.0 days".
pub(crate) fn human_duration(secs: f64) -> String {
    let secs = secs.max(0.0);
    if secs < 90.0 {
        format!("{} s", Whole(secs))
    } else if secs < 5_400.0 {
        format!("{} min", Whole(secs / 60.0))
    } else if secs < 172_800.0 {
        format!("{:.1} h", secs / 3_600.0)
    } else {
        format!("{:.1} days", secs / 86_400.0)
    }
}
