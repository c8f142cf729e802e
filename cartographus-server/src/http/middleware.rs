//! Request middleware, outermost first: request metrics, security headers, rate
//! limiting, authentication and role checks.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cartographus_core::{canonical, parse_endpoint, NetworkId};
use chrono::Utc;

use super::error::ApiError;
use super::AppState;
use crate::auth::{require, Principal, Role};
use crate::config::AuthMode;
use crate::metrics::RouteLabels;
use crate::ratelimit::{Decision, RouteClass};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cartographus_session";

/// The Content-Security-Policy: no inline scripts or styles, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; \
worker-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; \
form-action 'self'";

/// Records latency per route pattern.
pub(super) async fn track_metrics(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = format!("{}xx", resp.status().as_u16() / 100);
    state
        .metrics
        .http_latency
        .get_or_create(&RouteLabels {
            route,
            method,
            status,
        })
        .observe(start.elapsed().as_secs_f64());
    resp
}

/// Adds the security headers to every response.
pub(super) async fn security_headers(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if state.config.behind_tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    resp
}

/// The client of a request: the peer, or — when the peer is a trusted reverse proxy —
/// the nearest address in `X-Forwarded-For` that is not a trusted proxy (the entries
/// further left are whatever the client claimed, so they are never believed).
pub(super) fn client_ip(req: &Request, trusted: &[NetworkId]) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| canonical(c.0.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    forwarded_client(peer, req.headers(), trusted)
}

fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &[NetworkId]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match parse_endpoint(hop) {
            Some(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // Garbage in the chain: stop at the last address believed.
            None => break,
        }
    }
    client
}

/// Applies the per-client rate limits to API routes.
pub(super) async fn rate_limit(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/api/") || path.starts_with("/api/v1/health") {
        return next.run(req).await;
    }
    let class = RouteClass::of_path(path);
    let client = client_ip(&req, &state.config.trusted_proxies);
    match state.limiter.check(client, class, Utc::now()) {
        Decision::Allow => next.run(req).await,
        Decision::Limited { retry_after_s } => {
            ApiError::RateLimited { retry_after_s }.into_response()
        }
    }
}

/// Whether a path is reachable without credentials.
pub fn is_public(path: &str) -> bool {
    if path.starts_with("/api/v1/health")
        || path == "/api/v1/auth/login"
        || path.starts_with("/api/v1/webhooks/")
        || path == "/api/v1/openapi.json"
    {
        return true;
    }
    // The UI's files are public (the login page is one of them); the API, the hub and
    // the metrics are not.
    !(path.starts_with("/api/") || path == "/ws" || path == "/metrics")
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Who is calling, from the Authorization header or the session cookie.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let auth = &state.auth;
    if auth.mode() == AuthMode::None {
        return Ok(Principal {
            name: "local".into(),
            role: Role::Admin,
        });
    }
    let now = Utc::now();
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(token) = value.strip_prefix("Bearer ") {
            return Ok(auth.verify_bearer(token.trim(), now)?);
        }
        if let Some(basic) = value.strip_prefix("Basic ") {
            if auth.mode() == AuthMode::Basic {
                return Ok(auth.verify_basic(basic)?);
            }
        }
        return Err(ApiError::Unauthorized);
    }
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        return Ok(auth.verify_bearer(&token, now)?);
    }
    Err(ApiError::Unauthorized)
}

/// Routes that only admins may read.
fn admin_only_read(path: &str) -> bool {
    path.starts_with("/api/v1/backup")
        || path.starts_with("/api/v1/config")
        || path.starts_with("/api/v1/auth/tokens")
        || path.starts_with("/api/v1/dlq")
        || path.starts_with("/api/v1/wal")
}

/// Authenticates every non-public request and checks its role: reads need `viewer`,
/// changes (and backups, tokens, dead letters) need `admin`. The principal is put in
/// the request's extensions.
pub(super) async fn require_auth(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if is_public(&path) {
        return next.run(req).await;
    }
    let principal = match authenticate(&state, req.headers()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let read = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let self_service = path == "/api/v1/auth/logout" || path == "/api/v1/auth/me";
    let needed = if (read && !admin_only_read(&path)) || self_service {
        Role::Viewer
    } else {
        Role::Admin
    };
    if let Err(e) = require(&principal, needed) {
        return ApiError::from(e).into_response();
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<NetworkId> = vec!["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()];
        let h = xff(&["203.0.113.9, 198.51.100.7"]);
        // An untrusted peer's header is ignored: anyone can send one.
        assert_eq!(
            forwarded_client(ip("192.0.2.1"), &h, &trusted),
            ip("192.0.2.1")
        );
        // Behind a trusted proxy the client is the nearest untrusted hop, not what the
        // client wrote further left.
        assert_eq!(
            forwarded_client(ip("10.1.2.3"), &h, &trusted),
            ip("198.51.100.7")
        );
        // Chained trusted proxies are skipped; several header lines form one list.
        let h = xff(&["203.0.113.9", "198.51.100.7:5000, 10.9.9.9"]);
        assert_eq!(
            forwarded_client(ip("::1"), &h, &trusted),
            ip("198.51.100.7")
        );
        // Garbage stops the walk at the last address believed.
        let h = xff(&["203.0.113.9, not-an-ip, 10.2.2.2"]);
        assert_eq!(
            forwarded_client(ip("10.1.2.3"), &h, &trusted),
            ip("10.2.2.2")
        );
        // No header: the proxy itself.
        assert_eq!(
            forwarded_client(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
        // Nobody trusted (the default): always the peer.
        assert_eq!(
            forwarded_client(ip("10.1.2.3"), &xff(&["203.0.113.9"]), &[]),
            ip("10.1.2.3")
        );
    }
}
