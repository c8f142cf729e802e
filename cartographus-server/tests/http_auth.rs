//! The HTTP layer's security: authentication, roles, rate limits and headers, driven
//! through the real router.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cartographus_server::config::{apply_env, Config, RawConfig};
use cartographus_server::http::{router, AppState};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn state(mode: &str) -> AppState {
    let mut raw = RawConfig::default();
    let vars = [
        ("AUTH_MODE", mode),
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("ADMIN_USERNAME", "admin"),
        ("ADMIN_PASSWORD", "correct horse"),
    ];
    apply_env(&mut raw, &|k| {
        vars.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    AppState::new(Config::from_raw(&raw, None).unwrap()).unwrap()
}

async fn send(
    app: &axum::Router,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn login(user: &str, pass: &str) -> Request<Body> {
    Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!(
            r#"{{"username":"{user}","password":"{pass}"}}"#
        )))
        .unwrap()
}

#[tokio::test]
async fn unauthenticated_requests_get_401_and_health_is_public() {
    let app = router(state("jwt"));
    let (status, headers, body) = send(&app, get("/api/v1/auth/me")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("authentication required"));
    assert!(headers.contains_key(header::WWW_AUTHENTICATE));
    assert_eq!(
        send(&app, get("/metrics")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(send(&app, get("/ws")).await.0, StatusCode::UNAUTHORIZED);
    let (status, _, body) = send(&app, get("/api/v1/health")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"ok\""));
    // The UI shell is public; unknown API paths are JSON 404s behind auth.
    assert_eq!(send(&app, get("/")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn login_cookie_and_bearer_work_and_logout_revokes() {
    let app = router(state("jwt"));
    let (status, _, _) = send(&app, login("admin", "wrong")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, headers, body) = send(&app, login("admin", "correct horse")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let req = Request::get("/api/v1/auth/me")
        .header(header::COOKIE, &pair)
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"admin\""));
    let bearer = || {
        Request::get("/api/v1/auth/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&app, bearer()).await.0, StatusCode::OK);
    let out = Request::post("/api/v1/auth/logout")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, out).await.0, StatusCode::NO_CONTENT);
    assert_eq!(send(&app, bearer()).await.0, StatusCode::UNAUTHORIZED);
    let (status, _, body) = send(
        &app,
        Request::get("/api/v1/nope")
            .header(header::COOKIE, &pair)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn viewer_tokens_cannot_change_things() {
    let st = state("jwt");
    let (viewer, _) = st.auth.create_api_token(
        "grafana",
        cartographus_server::auth::Role::Viewer,
        chrono::Utc::now(),
    );
    let app = router(st);
    let me = Request::get("/api/v1/auth/me")
        .header(header::AUTHORIZATION, format!("Bearer {viewer}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, me).await.0, StatusCode::OK);
    let create = Request::post("/api/v1/auth/tokens")
        .header(header::AUTHORIZATION, format!("Bearer {viewer}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name":"x"}"#))
        .unwrap();
    let (status, _, body) = send(&app, create).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let list = Request::get("/api/v1/auth/tokens")
        .header(header::AUTHORIZATION, format!("Bearer {viewer}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, list).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn login_is_rate_limited_with_retry_after() {
    let app = router(state("jwt"));
    for _ in 0..5 {
        assert_eq!(
            send(&app, login("admin", "wrong")).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, headers, body) = send(&app, login("admin", "correct horse")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = router(state("jwt"));
    for path in ["/", "/api/v1/health", "/api/v1/auth/me"] {
        let (_, h, _) = send(&app, get(path)).await;
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}

#[tokio::test]
async fn malformed_login_is_a_400() {
    let app = router(state("jwt"));
    let req = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let (status, _, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("\"error\""));
}

#[tokio::test]
async fn auth_mode_none_is_admin_on_loopback() {
    let app = router(state("none"));
    let (status, _, body) = send(&app, get("/api/v1/auth/me")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"admin\""));
}
