//! `/api/v1/openapi.json`: an OpenAPI 3.1 document of every API route, built from
//! [`OPERATIONS`]. A unit test reads the router's source and checks that every
//! registered route is documented and every documented route is registered, so the
//! document cannot drift from the code. Response bodies are described by the store's
//! serde types (named in each summary); their field-level schemas are future work.

use axum::Json;
use serde_json::{json, Map, Value};

use super::params::FILTER_PARAMS;

/// How a route takes the shared filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filtered {
    /// Every filter parameter applies.
    Yes,
    /// No filter.
    No,
}

/// One documented operation.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// `get`, `post`, `put` or `delete`.
    pub method: &'static str,
    /// The path under `/api/v1`, with `{name}` for path parameters.
    pub path: &'static str,
    /// The group in the document.
    pub tag: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Whether the filter parameters apply.
    pub filtered: Filtered,
    /// The route's own query parameters.
    pub query: &'static [&'static str],
    /// Only an admin may call it.
    pub admin: bool,
}

const fn op(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    filtered: Filtered,
    query: &'static [&'static str],
) -> Operation {
    Operation {
        method,
        path,
        tag,
        summary,
        filtered,
        query,
        admin: false,
    }
}

const fn admin(mut o: Operation) -> Operation {
    o.admin = true;
    o
}

use Filtered::{No, Yes};

/// Every route of `/api/v1` (the hub `/ws` and `/metrics` are outside it).
pub const OPERATIONS: &[Operation] = &[
    op("get", "/health", "system", "Liveness.", No, &[]),
    op(
        "get",
        "/health/ready",
        "system",
        "Readiness: store, sources, detection, tasks.",
        No,
        &[],
    ),
    op("get", "/openapi.json", "system", "This document.", No, &[]),
    op(
        "post",
        "/auth/login",
        "auth",
        "Log in: sets the session cookie and returns a bearer token.",
        No,
        &[],
    ),
    op(
        "post",
        "/auth/logout",
        "auth",
        "Log out: revokes the token.",
        No,
        &[],
    ),
    op(
        "get",
        "/auth/me",
        "auth",
        "Who is logged in, and their role.",
        No,
        &[],
    ),
    admin(op("get", "/auth/tokens", "auth", "API tokens.", No, &[])),
    admin(op(
        "post",
        "/auth/tokens",
        "auth",
        "Create an API token.",
        No,
        &[],
    )),
    admin(op(
        "delete",
        "/auth/tokens/{id}",
        "auth",
        "Revoke an API token.",
        No,
        &[],
    )),
    op(
        "get",
        "/stats",
        "analytics",
        "Overview (Overview).",
        Yes,
        &["accuracy", "tz"],
    ),
    op(
        "get",
        "/analytics/trends",
        "analytics",
        "Plays and watch time over time (Trends).",
        Yes,
        &["tz", "interval"],
    ),
    op(
        "get",
        "/analytics/weekdays",
        "analytics",
        "Plays by day of week.",
        Yes,
        &["tz"],
    ),
    op(
        "get",
        "/analytics/hours",
        "analytics",
        "Plays by hour of day.",
        Yes,
        &["tz"],
    ),
    op(
        "get",
        "/analytics/heatmap",
        "analytics",
        "Day of week x hour of day.",
        Yes,
        &["tz"],
    ),
    op(
        "get",
        "/analytics/calendar",
        "analytics",
        "Plays per day of a year.",
        Yes,
        &["tz", "year"],
    ),
    op(
        "get",
        "/analytics/top",
        "analytics",
        "Top lists (TopEntry).",
        Yes,
        &["tz", "kind", "by", "limit"],
    ),
    op(
        "get",
        "/analytics/recent",
        "analytics",
        "Last plays (RecentPlay).",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/analytics/engagement",
        "analytics",
        "Completion and abandonment (Engagement).",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/analytics/binge",
        "analytics",
        "Binge sessions (BingeReport).",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/analytics/watch-parties",
        "analytics",
        "Watch parties (PartyReport).",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/analytics/quality",
        "analytics",
        "Streaming quality (QualityReport).",
        Yes,
        &["tz", "accuracy"],
    ),
    op(
        "get",
        "/analytics/quality/trend",
        "analytics",
        "Transcode decisions over time.",
        Yes,
        &["tz", "interval"],
    ),
    op(
        "get",
        "/analytics/concurrency",
        "analytics",
        "Peak concurrent streams (ConcurrencyReport).",
        Yes,
        &["tz", "interval"],
    ),
    op(
        "get",
        "/analytics/breakdown",
        "analytics",
        "Plays per library, media type, rating, year, genre... (GroupStats).",
        Yes,
        &["tz", "by", "limit"],
    ),
    op(
        "get",
        "/analytics/cohorts",
        "analytics",
        "Weekly cohorts and retention (CohortReport).",
        Yes,
        &["tz"],
    ),
    op(
        "get",
        "/analytics/shared-networks",
        "analytics",
        "Users sharing networks or devices (SharedNetworkGraph).",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/users",
        "users",
        "Per-user totals (UserStats).",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/users/{id}",
        "users",
        "One user: devices, IPs, places, trust.",
        Yes,
        &["tz"],
    ),
    op(
        "get",
        "/servers",
        "users",
        "Media servers seen (ServerRecord).",
        No,
        &[],
    ),
    op(
        "get",
        "/search",
        "analytics",
        "Typo-tolerant search (SearchHit).",
        Yes,
        &["tz", "q", "kind", "limit"],
    ),
    op(
        "get",
        "/locations",
        "spatial",
        "Places (LocationStats).",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/spatial/locations",
        "spatial",
        "Places as GeoJSON.",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/spatial/plays.geojson",
        "spatial",
        "Plays as GeoJSON.",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/spatial/hexagons",
        "spatial",
        "H3 cells (Hexagon).",
        Yes,
        &["tz", "resolution", "limit"],
    ),
    op(
        "get",
        "/spatial/arcs",
        "spatial",
        "Viewer places to the server (Arc).",
        Yes,
        &["tz", "limit"],
    ),
    op(
        "get",
        "/spatial/viewport",
        "spatial",
        "Places in a bounding box (antimeridian-safe).",
        Yes,
        &["tz", "west", "south", "east", "north", "limit"],
    ),
    op(
        "get",
        "/spatial/nearby",
        "spatial",
        "Places within a radius (NearbyLocation).",
        Yes,
        &["tz", "lat", "lon", "radius_km", "limit"],
    ),
    op(
        "get",
        "/playbacks",
        "playbacks",
        "History, newest first, cursor-paged.",
        Yes,
        &["limit", "cursor"],
    ),
    op("get", "/playbacks/{id}", "playbacks", "One play.", No, &[]),
    op(
        "get",
        "/filters",
        "playbacks",
        "Distinct values of every filter dimension.",
        Yes,
        &["limit"],
    ),
    op(
        "get",
        "/sessions/live",
        "playbacks",
        "What is playing now, per server.",
        No,
        &[],
    ),
    admin(op(
        "post",
        "/sessions/{id}/terminate",
        "playbacks",
        "Stop a stream with a message.",
        No,
        &[],
    )),
    op(
        "get",
        "/detection/alerts",
        "detection",
        "Alerts, paged.",
        No,
        &[
            "rules",
            "severities",
            "users",
            "servers",
            "acknowledged",
            "start",
            "end",
            "limit",
            "after",
        ],
    ),
    admin(op(
        "post",
        "/detection/alerts/{id}/acknowledge",
        "detection",
        "Acknowledge an alert.",
        No,
        &[],
    )),
    op(
        "get",
        "/detection/rules",
        "detection",
        "Engine and rule settings.",
        No,
        &[],
    ),
    op(
        "get",
        "/detection/rules/{rule}",
        "detection",
        "One rule's settings.",
        No,
        &[],
    ),
    admin(op(
        "put",
        "/detection/rules/{rule}",
        "detection",
        "Change one rule's settings (validated).",
        No,
        &[],
    )),
    op(
        "get",
        "/detection/trust",
        "detection",
        "Every trust score.",
        No,
        &[],
    ),
    op(
        "get",
        "/detection/trust/{user}",
        "detection",
        "A user's score and ledger.",
        No,
        &[],
    ),
    admin(op(
        "post",
        "/detection/trust/{user}",
        "detection",
        "Adjust, reset or exempt.",
        No,
        &[],
    )),
    op(
        "get",
        "/export/playbacks.csv",
        "export",
        "History as CSV (streamed).",
        Yes,
        &[],
    ),
    op(
        "get",
        "/export/playbacks.parquet",
        "export",
        "History as Parquet (geo=true: GeoParquet).",
        Yes,
        &["geo"],
    ),
    op(
        "get",
        "/export/locations.geojson",
        "export",
        "Places as GeoJSON (streamed).",
        Yes,
        &[],
    ),
    admin(op("get", "/backup", "backup", "List backups.", No, &[])),
    admin(op(
        "post",
        "/backup",
        "backup",
        "Create a backup (then apply retention).",
        No,
        &[],
    )),
    admin(op(
        "get",
        "/backup/{name}/download",
        "backup",
        "A backup as tar.gz.",
        No,
        &[],
    )),
    admin(op(
        "post",
        "/backup/{name}/validate",
        "backup",
        "Check a backup's checksums.",
        No,
        &[],
    )),
    admin(op(
        "post",
        "/backup/{name}/restore",
        "backup",
        "Restore into a new store file.",
        No,
        &[],
    )),
    admin(op(
        "post",
        "/import/tautulli",
        "import",
        "Import a tautulli.db (path or upload).",
        No,
        &[],
    )),
    op(
        "get",
        "/import/status",
        "import",
        "Progress of the Tautulli import.",
        No,
        &[],
    ),
    op(
        "get",
        "/health/nats",
        "durability",
        "NATS JetStream: connection, stream size, consumer lag (404 when NATS is off).",
        No,
        &[],
    ),
    admin(op(
        "get",
        "/wal/status",
        "durability",
        "The write-ahead log: pending, failing and dead entries, file size, lease.",
        No,
        &[],
    )),
    admin(op(
        "get",
        "/dlq",
        "durability",
        "Dead letters (failed_events), oldest first, paged by `next`.",
        No,
        &["after", "limit", "unresolved"],
    )),
    admin(op(
        "post",
        "/dlq/{id}/retry",
        "durability",
        "Ingest a dead letter's play again.",
        No,
        &[],
    )),
    op(
        "post",
        "/webhooks/plex",
        "webhooks",
        "Plex webhook (multipart; ?secret=).",
        No,
        &["secret"],
    ),
    op(
        "post",
        "/webhooks/jellyfin",
        "webhooks",
        "Jellyfin webhook plugin JSON (?secret=).",
        No,
        &["secret"],
    ),
    op(
        "post",
        "/webhooks/emby",
        "webhooks",
        "Emby webhook (?secret=).",
        No,
        &["secret"],
    ),
];

fn parameter(name: &str, location: &str, required: bool) -> Value {
    json!({ "name": name, "in": location, "required": required, "schema": { "type": "string" } })
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for o in OPERATIONS {
        let mut params: Vec<Value> = o
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|n| parameter(n, "path", true))
            .collect();
        params.extend(o.query.iter().map(|q| parameter(q, "query", false)));
        if o.filtered == Yes {
            params.extend(FILTER_PARAMS.iter().map(|q| parameter(q, "query", false)));
        }
        let mut responses = json!({
            "200": { "description": "OK", "content": { "application/json": { "schema": {} } } },
            "400": { "description": "A parameter is invalid (the error names it)." },
            "401": { "description": "Not logged in." },
            "429": { "description": "Rate limited (see Retry-After)." },
        });
        if o.admin {
            responses["403"] = json!({ "description": "Needs the admin role." });
        }
        let entry = paths
            .entry(format!("/api/v1{}", o.path))
            .or_insert_with(|| json!({}));
        entry[o.method] = json!({
            "tags": [o.tag],
            "summary": o.summary,
            "operationId": format!("{}{}", o.method, o.path.replace(['/', '{', '}', '.', '-'], "_")),
            "parameters": params,
            "responses": responses,
        });
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Cartographus API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Playback analytics and account-sharing detection for Plex, Jellyfin and Emby.",
        },
        "paths": paths,
        "components": { "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer" },
            "cookie": { "type": "apiKey", "in": "cookie", "name": super::SESSION_COOKIE },
        }},
        "security": [ { "bearer": [] }, { "cookie": [] } ],
    })
}

/// `docs/API.md`: the operations as a Markdown reference.
pub fn markdown() -> String {
    let mut out = String::from(
        "# HTTP API\n\nGenerated from the OpenAPI document (`/api/v1/openapi.json`, \
         `docs/openapi.json`) by a test of `cartographus-server`; do not edit by hand.\n\n\
         Every route needs a login (session cookie, `Authorization: Bearer`, an API token or \
         Basic) except health, login, the OpenAPI document and the webhooks. Errors are JSON \
         `{\"error\": \"...\", \"parameter\": \"...\"}`; invalid parameters are 400s naming the \
         parameter. Routes marked *filter* take every filter parameter: ",
    );
    out.push_str(
        &FILTER_PARAMS
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(" (lists comma-separated, dates RFC 3339 or `YYYY-MM-DD`).\n");
    let mut tag = "";
    for o in OPERATIONS {
        if o.tag != tag {
            tag = o.tag;
            out.push_str(&format!(
                "\n## {tag}\n\n| method | path | what | parameters |\n|---|---|---|---|\n"
            ));
        }
        let mut params: Vec<String> = o.query.iter().map(|q| format!("`{q}`")).collect();
        if o.filtered == Yes {
            params.push("*filter*".into());
        }
        out.push_str(&format!(
            "| {} | `/api/v1{}` | {}{} | {} |\n",
            o.method.to_uppercase(),
            o.path,
            o.summary,
            if o.admin { " **admin**" } else { "" },
            params.join(", ")
        ));
    }
    out
}

/// `GET /api/v1/openapi.json`.
pub(super) async fn serve() -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::OPERATIONS;

    /// `(method, path)` of every `.route("…", get(…).post(…))` in a source file.
    fn routes_in(source: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = source;
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let Some(q1) = rest.find('"') else { break };
            let Some(q2) = rest[q1 + 1..].find('"') else {
                break;
            };
            let path = rest[q1 + 1..q1 + 1 + q2].to_owned();
            // The handler expression: up to the parenthesis closing `.route(`.
            let mut depth = 1usize;
            let mut end = rest.len();
            for (j, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let handlers = &rest[q1 + 1 + q2..end];
            for m in ["get", "post", "put", "delete"] {
                let called = handlers.match_indices(&format!("{m}(")).any(|(k, _)| {
                    k == 0 || !handlers[..k].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if called {
                    out.push((m.to_owned(), path.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn the_document_matches_the_router() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("analytics.rs"),
            include_str!("detection.rs"),
            include_str!("webhooks.rs"),
            include_str!("admin.rs"),
            include_str!("durability.rs"),
        ];
        let outside_api = ["/metrics", "/ws"];
        let routed: BTreeSet<(String, String)> = sources
            .iter()
            .flat_map(|s| routes_in(s))
            .filter(|(_, p)| !outside_api.contains(&p.as_str()))
            .collect();
        let documented: BTreeSet<(String, String)> = OPERATIONS
            .iter()
            .map(|o| (o.method.to_owned(), o.path.to_owned()))
            .collect();
        assert!(
            routed.len() > 50,
            "the route scan found {} routes",
            routed.len()
        );
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let missing: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from OPERATIONS: {undocumented:?}"
        );
        assert!(
            missing.is_empty(),
            "documented routes the router lacks: {missing:?}"
        );
    }

    /// `docs/openapi.json` (what the web client's types are generated from) is this
    /// document; regenerate it with `UPDATE_OPENAPI=1 cargo test --release -p
    /// cartographus-server openapi`.
    #[test]
    fn docs_openapi_json_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let text = serde_json::to_string_pretty(&super::document()).unwrap() + "\n";
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &text).unwrap();
        }
        let md_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/API.md");
        let md = super::markdown();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(md_path, &md).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == text,
            "docs/openapi.json is stale: run UPDATE_OPENAPI=1 cargo test --release -p cartographus-server openapi"
        );
        assert!(
            std::fs::read_to_string(md_path).unwrap_or_default() == md,
            "docs/API.md is stale: run UPDATE_OPENAPI=1 cargo test --release -p cartographus-server openapi"
        );
    }

    #[test]
    fn the_document_is_openapi_with_every_path() {
        let doc = super::document();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.contains_key("/api/v1/analytics/top"));
        let top = &doc["paths"]["/api/v1/analytics/top"]["get"]["parameters"];
        assert!(top
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "countries"));
        let user = &doc["paths"]["/api/v1/users/{id}"]["get"]["parameters"][0];
        assert_eq!(
            (user["name"].as_str(), user["in"].as_str()),
            (Some("id"), Some("path"))
        );
    }
}
