//! Per-client rate limits by route class (sliding one-minute window, approximated with
//! two fixed windows as nginx and Cloudflare do). The limiter takes `now` as an
//! argument, so its tests run on a fake clock; the HTTP layer passes the real time.
//!
//! ## Defaults (requests per minute per client IP)
//! - `auth` (login): 5
//! - `analytics` (`/analytics/*`, `/spatial/*`, `/stats`, `/search`): 1,000
//! - `export` (`/export/*`, `/backup*`): 10
//! - `default` (everything else): 100

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// A class of routes sharing one limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteClass {
    /// Login.
    Auth,
    /// Dashboards and maps.
    Analytics,
    /// Exports and backups.
    Export,
    /// Everything else.
    Default,
}

impl RouteClass {
    /// The class of a request path.
    pub fn of_path(path: &str) -> Self {
        let p = path.strip_prefix("/api/v1").unwrap_or(path);
        if p.starts_with("/auth/login") {
            RouteClass::Auth
        } else if p.starts_with("/analytics")
            || p.starts_with("/spatial")
            || p.starts_with("/stats")
            || p.starts_with("/search")
            || p.starts_with("/locations")
            || p.starts_with("/playbacks")
            || p.starts_with("/users")
            || p.starts_with("/filters")
        {
            RouteClass::Analytics
        } else if p.starts_with("/export") || p.starts_with("/backup") {
            RouteClass::Export
        } else {
            RouteClass::Default
        }
    }
}

/// Requests per minute for each class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Login.
    pub auth: u32,
    /// Dashboards and maps.
    pub analytics: u32,
    /// Exports and backups.
    pub export: u32,
    /// Everything else.
    pub default: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            auth: 5,
            analytics: 1_000,
            export: 10,
            default: 100,
        }
    }
}

impl Limits {
    fn of(&self, class: RouteClass) -> u32 {
        match class {
            RouteClass::Auth => self.auth,
            RouteClass::Analytics => self.analytics,
            RouteClass::Export => self.export,
            RouteClass::Default => self.default,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    minute: i64,
    current: u32,
    previous: u32,
}

/// The limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Too many requests: retry after this many seconds.
    Limited {
        /// Seconds until a request would be allowed.
        retry_after_s: u64,
    },
}

/// The rate limiter; bounded to `max_clients` tracked keys (the least recent minute is
/// dropped first).
#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    max_clients: usize,
    windows: Mutex<HashMap<(IpAddr, RouteClass), Window>>,
}

impl RateLimiter {
    /// A limiter with these limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            max_clients: 100_000,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request from `ip` to a route of `class` at `now`.
    pub fn check(&self, ip: IpAddr, class: RouteClass, now: DateTime<Utc>) -> Decision {
        let limit = self.limits.of(class);
        let ms = now.timestamp_millis();
        let minute = ms.div_euclid(60_000);
        let into = ms.rem_euclid(60_000) as f64 / 60_000.0;
        let Ok(mut windows) = self.windows.lock() else {
            return Decision::Allow;
        };
        if windows.len() >= self.max_clients {
            windows.retain(|_, w| w.minute >= minute - 1);
        }
        let w = windows.entry((ip, class)).or_insert(Window {
            minute,
            current: 0,
            previous: 0,
        });
        if w.minute != minute {
            w.previous = if w.minute == minute - 1 { w.current } else { 0 };
            w.current = 0;
            w.minute = minute;
        }
        let estimate = f64::from(w.previous) * (1.0 - into) + f64::from(w.current);
        if estimate + 1.0 > f64::from(limit) {
            let to_next_minute = 60.0 - into * 60.0;
            return Decision::Limited {
                retry_after_s: to_next_minute.ceil().max(1.0) as u64,
            };
        }
        w.current += 1;
        Decision::Allow
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A time `s` seconds into a minute (1,800,000,000 is a whole minute).
    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn login_is_limited_to_five_a_minute() {
        let rl = RateLimiter::new(Limits::default());
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        for _ in 0..5 {
            assert_eq!(rl.check(ip, RouteClass::Auth, at(1)), Decision::Allow);
        }
        let d = rl.check(ip, RouteClass::Auth, at(1));
        assert_eq!(d, Decision::Limited { retry_after_s: 59 });
        // Another client and another class are not affected.
        let other: IpAddr = "203.0.113.8".parse().unwrap();
        assert_eq!(rl.check(other, RouteClass::Auth, at(1)), Decision::Allow);
        assert_eq!(rl.check(ip, RouteClass::Default, at(1)), Decision::Allow);
        // Two minutes later the slate is clean.
        assert_eq!(rl.check(ip, RouteClass::Auth, at(121)), Decision::Allow);
    }

    #[test]
    fn the_previous_minute_weighs_in() {
        let rl = RateLimiter::new(Limits::default());
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        for _ in 0..5 {
            rl.check(ip, RouteClass::Auth, at(59));
        }
        // One second into the next minute, ~98 % of the previous window still counts.
        assert!(matches!(
            rl.check(ip, RouteClass::Auth, at(61)),
            Decision::Limited { .. }
        ));
    }

    #[test]
    fn classes_from_paths() {
        assert_eq!(RouteClass::of_path("/api/v1/auth/login"), RouteClass::Auth);
        assert_eq!(
            RouteClass::of_path("/api/v1/analytics/trends"),
            RouteClass::Analytics
        );
        assert_eq!(
            RouteClass::of_path("/api/v1/export/playbacks.csv"),
            RouteClass::Export
        );
        assert_eq!(RouteClass::of_path("/api/v1/users"), RouteClass::Analytics);
        assert_eq!(
            RouteClass::of_path("/api/v1/detection/trust/1"),
            RouteClass::Default
        );
    }
}
