//! System routes: health, login/logout, API tokens, metrics, the WebSocket hub and the UI
//! fallback.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::middleware::SESSION_COOKIE;
use super::AppState;
use crate::auth::{Principal, Role};
use crate::hub::{envelope, MessageType};

/// `GET /api/v1/health`: the process is alive.
pub(super) async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// `GET /api/v1/health/ready`: every supervised task is healthy.
pub(super) async fn ready(State(state): State<AppState>) -> Response {
    let now = Utc::now();
    let tasks = state.health.snapshot(now);
    let ready = tasks.values().all(|t| t.healthy);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": ready,
        "tasks": tasks,
        "detection_enabled": state.config.detection_enabled,
        "ws_clients": state.hub.clients(),
    });
    (status, Json(body)).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginBody {
    username: String,
    password: String,
}

fn session_cookie(state: &AppState, token: &str, max_age_s: i64) -> HeaderValue {
    let secure = if state.config.behind_tls {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}{secure}"
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `POST /api/v1/auth/login`: checks the password, sets the session cookie and returns a
/// bearer token for API clients.
pub(super) async fn login(
    State(state): State<AppState>,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let auth = state.auth.clone();
    // Argon2 is deliberately slow: keep it off the async workers.
    let issued =
        tokio::task::spawn_blocking(move || auth.login(&body.username, &body.password, Utc::now()))
            .await
            .map_err(ApiError::internal)??;
    let max_age = state.auth.session().num_seconds();
    let mut resp = Json(json!({
        "token": issued.token,
        "expires_at": issued.expires_at,
        "user": issued.principal,
    }))
    .into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&state, &issued.token, max_age),
    );
    Ok(resp)
}

/// `POST /api/v1/auth/logout`: revokes the token and clears the cookie.
pub(super) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let now = Utc::now();
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = v.strip_prefix("Bearer ") {
            state.auth.revoke(t.trim(), now);
        }
    }
    for v in headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for kv in v.split(';') {
            if let Some((k, t)) = kv.trim().split_once('=') {
                if k == SESSION_COOKIE {
                    state.auth.revoke(t, now);
                }
            }
        }
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    resp
}

/// `GET /api/v1/auth/me`: who am I.
pub(super) async fn me(Extension(p): Extension<Principal>) -> Json<Principal> {
    Json(p)
}

#[derive(Debug, Deserialize)]
pub(super) struct TokenBody {
    name: String,
    #[serde(default = "viewer")]
    role: Role,
}

fn viewer() -> Role {
    Role::Viewer
}

/// `GET /api/v1/auth/tokens` (admin).
pub(super) async fn list_tokens(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({ "tokens": state.auth.api_tokens() }))
}

/// `POST /api/v1/auth/tokens` (admin): the token is shown once.
pub(super) async fn create_token(
    State(state): State<AppState>,
    body: Result<Json<TokenBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let name = body.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::param("name", "must be 1 to 100 characters"));
    }
    let (token, info) = state.auth.create_api_token(name, body.role, Utc::now());
    Ok(Json(json!({ "token": token, "info": info })))
}

/// `DELETE /api/v1/auth/tokens/{id}` (admin).
pub(super) async fn delete_token(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.auth.delete_api_token(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Unknown API paths: a JSON 404 rather than the UI.
pub(super) async fn api_not_found() -> ApiError {
    ApiError::NotFound
}

/// `GET /metrics`: Prometheus text format.
pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    state.metrics.ws_clients.set(state.hub.clients() as i64);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /ws`: the live hub. Answers client pings; a client that falls too far behind is
/// disconnected.
pub(super) async fn websocket(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| serve_socket(state, socket))
}

async fn serve_socket(state: AppState, mut socket: WebSocket) {
    let mut feed = state.hub.subscribe();
    let mut keepalive = tokio::time::interval(std::time::Duration::from_secs(30));
    keepalive.tick().await;
    loop {
        tokio::select! {
            msg = feed.next() => {
                let Some(text) = msg else { break };
                if socket.send(Message::Text(text.to_string().into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                match incoming {
                    Some(Ok(Message::Text(t))) => {
                        if t.contains("\"ping\"") {
                            let pong = envelope(MessageType::Pong, &Utc::now());
                            if socket.send(Message::Text(pong.into())).await.is_err() {
                                break;
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
            _ = keepalive.tick() => {
                let ping = envelope(MessageType::Ping, &Utc::now());
                if socket.send(Message::Text(ping.into())).await.is_err() {
                    break;
                }
            }
        }
    }
}
