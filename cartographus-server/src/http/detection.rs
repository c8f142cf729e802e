//! Detection settings and trust: `/detection/rules` (read, and update one rule with
//! the engine's own validation), `/detection/trust` (every score) and
//! `/detection/trust/{user}` (score and ledger; adjust, reset, exempt). The engine lives
//! in the pipeline task, so every call runs there, in order with the plays.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Extension, Json, Router};
use cartographus_core::UserId;
use cartographus_detect::{RawDetectConfig, RuleKind};
use serde::Deserialize;
use serde_json::{json, Value};

use super::analytics::read;
use super::error::ApiError;
use super::AppState;
use crate::auth::{Principal, Role};

/// The detection routes, to merge into `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/detection/rules", get(rules))
        .route("/detection/rules/{rule}", get(rule).put(update_rule))
        .route("/detection/trust", get(scores))
        .route(
            "/detection/trust/{user}",
            get(user_trust).post(change_trust),
        )
}

fn pipeline(state: &AppState) -> Result<&crate::pipeline::PipelineHandle, ApiError> {
    state
        .pipeline
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("the pipeline is not running".into()))
}

fn admin(principal: &Principal) -> Result<(), ApiError> {
    if principal.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only an admin may change detection".into(),
        ))
    }
}

fn rule_kind(name: &str) -> Result<RuleKind, ApiError> {
    name.parse::<RuleKind>().map_err(|_| {
        let all: Vec<&str> = RuleKind::ALL.iter().map(|r| r.as_str()).collect();
        ApiError::param("rule", format!("expected one of {}", all.join(", ")))
    })
}

/// The current raw configuration, or 503 when detection is off.
async fn current(state: &AppState) -> Result<RawDetectConfig, ApiError> {
    pipeline(state)?
        .detection(None, |engine, _| {
            (engine.map(|e| e.config().to_raw()), Vec::new())
        })
        .await
        .flatten()
        .ok_or_else(|| ApiError::Unavailable("detection is not enabled".into()))
}

/// `GET /api/v1/detection/rules`: the engine settings and every rule's settings.
async fn rules(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(current(&state).await?)))
}

/// `GET /api/v1/detection/rules/{rule}`.
async fn rule(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let kind = rule_kind(&name)?;
    let raw = json!(current(&state).await?);
    Ok(Json(raw["rules"][kind.as_str()].clone()))
}

/// `PUT /api/v1/detection/rules/{rule}` (admin): replaces the rule's settings (fields
/// left out keep their value). The engine validates the whole configuration; a bad
/// value is a 400 naming the setting, and nothing changes. Accepted settings are saved
/// next to the store ([`crate::rules_file`]) before they take effect, so a restart
/// keeps them.
async fn update_rule(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    admin(&principal)?;
    let kind = rule_kind(&name)?;
    let Value::Object(changes) = body else {
        return Err(ApiError::BadRequest(
            "expected a JSON object of the rule's settings".into(),
        ));
    };
    let saved = crate::rules_file::path_for(&state.config.store_path);
    let answer = pipeline(&state)?
        .detection(None, move |engine, _| {
            let Some(engine) = engine else {
                return (
                    Err(ApiError::Unavailable("detection is not enabled".into())),
                    Vec::new(),
                );
            };
            let mut raw = json!(engine.config().to_raw());
            let slot = &mut raw["rules"][kind.as_str()];
            for (k, v) in changes {
                if slot.get(&k).is_none() {
                    return (
                        Err(ApiError::param(k.clone(), "not a setting of this rule")),
                        Vec::new(),
                    );
                }
                slot[&k] = v;
            }
            let result = serde_json::from_value::<RawDetectConfig>(raw)
                .map_err(|e| ApiError::BadRequest(format!("invalid settings: {e}")))
                .and_then(|raw| {
                    raw.validate()
                        .map_err(|e| ApiError::BadRequest(e.to_string()))
                })
                .and_then(|config| {
                    // Saved first: a change that cannot be kept is not made.
                    crate::rules_file::save(&saved, &config.to_raw())
                        .map_err(ApiError::internal)?;
                    engine.set_config(config);
                    Ok(json!(engine.config().to_raw())["rules"][kind.as_str()].clone())
                });
            (result, Vec::new())
        })
        .await
        .ok_or_else(|| ApiError::Unavailable("the pipeline is not running".into()))??;
    Ok(Json(answer))
}

/// `GET /api/v1/detection/trust`: every user's score (users never flagged are at 100
/// and not listed).
async fn scores(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let live = pipeline(&state)?
        .detection(None, |engine, now| {
            (engine.map(|e| e.trust_scores(now)), Vec::new())
        })
        .await
        .flatten();
    match live {
        Some(scores) => Ok(Json(json!(scores))),
        None => {
            let Json(stored) = read(&state, |r| r.trust_scores()).await?;
            Ok(Json(json!(stored)))
        }
    }
}

/// `GET /api/v1/detection/trust/{user}`: the score now and the stored ledger.
async fn user_trust(
    State(state): State<AppState>,
    Path(user): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = parse_user(&user)?;
    let live = pipeline(&state)?
        .detection(None, move |engine, now| {
            (engine.map(|e| e.trust(user, now)), Vec::new())
        })
        .await
        .flatten();
    let Json((stored, ledger)) = read(&state, move |r| {
        Ok((r.trust_score(user)?, r.trust_ledger(user, 200)?))
    })
    .await?;
    Ok(Json(json!({
        "user_id": user,
        "score": live,
        "stored": stored,
        "ledger": ledger,
    })))
}

fn parse_user(s: &str) -> Result<UserId, ApiError> {
    s.parse::<UserId>()
        .map_err(|_| ApiError::param("user", "not a user id"))
}

/// What an operator does to a user's trust.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
enum TrustAction {
    /// Add (or subtract) points.
    Adjust { delta: i16 },
    /// Back to 100.
    Reset,
    /// Exempt from detection, or lift the exemption.
    Exempt { exempt: bool },
}

/// `POST /api/v1/detection/trust/{user}` (admin) with `{"action":"adjust","delta":-10}`,
/// `{"action":"reset"}` or `{"action":"exempt","exempt":true}`: the change is applied,
/// kept in the ledger with the admin's name and published on `/ws`.
async fn change_trust(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(user): Path<String>,
    body: Result<Json<TrustAction>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    admin(&principal)?;
    let user = parse_user(&user)?;
    let Json(action) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if let TrustAction::Adjust { delta } = action {
        if !(-100..=100).contains(&delta) {
            return Err(ApiError::param("delta", "expected -100 to 100"));
        }
    }
    let answer = pipeline(&state)?
        .detection(Some(principal.name.clone()), move |engine, now| {
            let Some(engine) = engine else {
                return (None, Vec::new());
            };
            let changes = match action {
                TrustAction::Adjust { delta } => engine.adjust_trust(user, delta, now),
                TrustAction::Reset => engine.reset_trust(user, now),
                TrustAction::Exempt { exempt } => engine.set_exempt(user, exempt, now),
            };
            (Some((engine.trust(user, now), changes.clone())), changes)
        })
        .await
        .flatten()
        .ok_or_else(|| ApiError::Unavailable("detection is not enabled".into()))?;
    let mut by_user = BTreeMap::new();
    by_user.insert("score", json!(answer.0));
    by_user.insert("changes", json!(answer.1));
    Ok(Json(json!(by_user)))
}
