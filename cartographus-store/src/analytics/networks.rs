//! Shared networks — the household / sharing graph: users seen on the same public
//! network (one IPv4 address, or one IPv6 /64, the prefix a household keeps while
//! privacy extensions rotate its addresses) or on the same device. Private, CGNAT and
//! other non-public addresses link nobody: every household has a 192.168.1.x.
//!
//! SQL reduces the history to distinct (user, address) and (user, device) pairs; the
//! graph is built in Rust with `cartographus-core`'s network grouping.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use cartographus_core::{classify, network_of, NetworkGrouping, UserId};
use serde::Serialize;

use super::users::user_id;
use super::{count, query_rows, Scope};
use crate::error::QueryError;
use crate::filter::Filter;
use crate::store::Reader;

/// A user in the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SharedNode {
    /// The user.
    pub user_id: UserId,
    /// Their display name.
    pub name: String,
    /// Their plays (segments) on shared networks or devices.
    pub streams: u64,
}

/// What two users share.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SharedVia {
    /// A public network (`203.0.113.7/32`, `2001:db8:1:2::/64`).
    Network(String),
    /// A device id.
    Device(String),
}

/// An edge: two users and what they share.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SharedLink {
    /// The user with the smaller id.
    pub a: UserId,
    /// The other user.
    pub b: UserId,
    /// Networks and devices both used.
    pub via: Vec<SharedVia>,
}

/// The household / sharing graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SharedNetworkGraph {
    /// Users with at least one link.
    pub nodes: Vec<SharedNode>,
    /// Links, most shared first (at most the limit asked for).
    pub links: Vec<SharedLink>,
}

impl Reader {
    /// Users sharing a public network or a device among the plays `filter` matches;
    /// at most `limit` (1–10,000) links.
    pub fn shared_networks(
        &self,
        filter: &Filter,
        limit: u32,
    ) -> Result<SharedNetworkGraph, QueryError> {
        let s = Scope::of(filter);
        let sql = format!(
            "SELECT 0 AS kind, p.user_id, any_value(coalesce(p.friendly_name, p.username)),
                    coalesce(p.public_ip, p.ip) AS v, count(*)
             FROM playback_events p WHERE {w} AND v IS NOT NULL GROUP BY p.user_id, v
             UNION ALL
             SELECT 1, p.user_id, any_value(coalesce(p.friendly_name, p.username)), p.device_id, count(*)
             FROM playback_events p WHERE {w} AND p.device_id IS NOT NULL GROUP BY p.user_id, p.device_id",
            w = s.sql
        );
        let params = s.with(s.params.clone());
        let rows = query_rows(&self.conn, &sql, &params, |r| {
            Ok((
                r.get::<_, i32>(0)?,
                user_id(r, 1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                count(r, 4)?,
            ))
        })?;
        let grouping = NetworkGrouping::default();
        let mut names: BTreeMap<UserId, (String, u64)> = BTreeMap::new();
        let mut holders: BTreeMap<SharedVia, BTreeMap<UserId, u64>> = BTreeMap::new();
        for (kind, user, name, value, n) in rows {
            let via = if kind == 0 {
                let Ok(ip) = value.parse::<IpAddr>() else {
                    continue;
                };
                if !classify(ip).is_public() {
                    continue;
                }
                SharedVia::Network(network_of(ip, grouping).to_string())
            } else {
                SharedVia::Device(value)
            };
            *holders.entry(via).or_default().entry(user).or_default() += n;
            names.entry(user).or_insert((name, 0));
        }
        let mut links: BTreeMap<(UserId, UserId), Vec<SharedVia>> = BTreeMap::new();
        let mut streams: BTreeMap<UserId, u64> = BTreeMap::new();
        for (via, users) in holders.into_iter().filter(|(_, u)| u.len() >= 2) {
            let ids: Vec<UserId> = users.keys().copied().collect();
            for (u, n) in &users {
                *streams.entry(*u).or_default() += n;
            }
            for (i, a) in ids.iter().enumerate() {
                for b in &ids[i + 1..] {
                    links.entry((*a, *b)).or_default().push(via.clone());
                }
            }
        }
        let mut links: Vec<SharedLink> = links
            .into_iter()
            .map(|((a, b), via)| SharedLink { a, b, via })
            .collect();
        links.sort_by(|x, y| {
            y.via
                .len()
                .cmp(&x.via.len())
                .then((x.a, x.b).cmp(&(y.a, y.b)))
        });
        links.truncate(super::clamp_limit(limit, 10_000) as usize);
        let linked: BTreeSet<UserId> = links.iter().flat_map(|l| [l.a, l.b]).collect();
        let nodes = linked
            .into_iter()
            .map(|u| SharedNode {
                user_id: u,
                name: names.get(&u).map(|(n, _)| n.clone()).unwrap_or_default(),
                streams: streams.get(&u).copied().unwrap_or(0),
            })
            .collect();
        Ok(SharedNetworkGraph { nodes, links })
    }
}
