//! Identities: which internal user a server's account is, which accounts are one person,
//! and which items on different servers are one film or episode.
//!
//! Internal user ids are derived, not allocated: `UserId` = UUID v5 of
//! `(platform, server, external id)` folded to 63 bits. A Tautulli import and live Plex
//! ingestion of one Plex server therefore agree on every user's id, and two processes
//! never race over a counter.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{ExternalUserId, ServerId, UserId};
use crate::kinds::Source;

/// The media server software behind a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Plex Media Server (also behind Tautulli and Plex history).
    Plex,
    /// Jellyfin.
    Jellyfin,
    /// Emby.
    Emby,
}

impl Platform {
    /// The stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Plex => "plex",
            Platform::Jellyfin => "jellyfin",
            Platform::Emby => "emby",
        }
    }
}

impl Source {
    /// The media server software this source reads from. Tautulli and Plex history
    /// are Plex.
    pub fn platform(self) -> Platform {
        match self {
            Source::Plex | Source::Tautulli | Source::PlexHistory => Platform::Plex,
            Source::Jellyfin => Platform::Jellyfin,
            Source::Emby => Platform::Emby,
        }
    }
}

/// The internal id of `(platform, server, external id)`: deterministic across
/// processes and runs.
pub fn derive_user_id(platform: Platform, server: &ServerId, external: &ExternalUserId) -> UserId {
    let name = format!(
        "user\u{1}{}\u{1}{}\u{1}{}",
        platform.as_str(),
        server.as_str(),
        external.as_str()
    );
    let uuid = Uuid::new_v5(&crate::CARTOGRAPHUS_NAMESPACE, name.as_bytes());
    let bytes = uuid.as_bytes();
    let mut hi = [0u8; 8];
    hi.copy_from_slice(&bytes[..8]);
    UserId::from_hash(u64::from_be_bytes(hi))
}

/// Why two accounts are believed to be one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// An operator said so.
    Manual,
    /// The accounts share an e-mail address.
    SameEmail,
    /// The accounts are members of one Plex Home.
    PlexHome,
}

/// A link between two users, with a confidence in 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserLink {
    /// One user.
    pub a: UserId,
    /// The other user.
    pub b: UserId,
    /// Why they are linked.
    pub kind: LinkKind,
    /// How sure the link is, 0–1.
    pub confidence: f64,
}

impl UserLink {
    /// A link; the confidence is clamped to 0–1 (NaN becomes 0).
    pub fn new(a: UserId, b: UserId, kind: LinkKind, confidence: f64) -> Self {
        let confidence = if confidence.is_nan() {
            0.0
        } else {
            confidence.clamp(0.0, 1.0)
        };
        Self {
            a,
            b,
            kind,
            confidence,
        }
    }
}

/// Settings of a [`UserDirectory`].
///
/// ## Defaults
/// - `min_confidence`: 0.5 — links below it do not join people.
/// - `same_email_confidence`: 0.8.
/// - `link_same_email`: true.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DirectoryConfig {
    /// Links below this confidence are kept but do not join people.
    pub min_confidence: f64,
    /// The confidence given to same-e-mail links.
    pub same_email_confidence: f64,
    /// Whether accounts with one e-mail address are linked automatically.
    pub link_same_email: bool,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        Self {
            min_confidence: 0.5,
            same_email_confidence: 0.8,
            link_same_email: true,
        }
    }
}

/// Maps server accounts to internal users and groups linked users into people.
#[derive(Debug, Clone, Default)]
pub struct UserDirectory {
    config: DirectoryConfig,
    known: HashMap<(Platform, ServerId, ExternalUserId), UserId>,
    by_email: HashMap<String, BTreeSet<UserId>>,
    links: BTreeMap<(UserId, UserId), UserLink>,
}

impl UserDirectory {
    /// An empty directory.
    pub fn new(config: DirectoryConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// The internal id of an account, recording it (and, if configured, linking it to
    /// other accounts with the same e-mail address).
    pub fn resolve(
        &mut self,
        source: Source,
        server: &ServerId,
        external: &ExternalUserId,
        email: Option<&str>,
    ) -> UserId {
        let platform = source.platform();
        let id = *self
            .known
            .entry((platform, server.clone(), external.clone()))
            .or_insert_with(|| derive_user_id(platform, server, external));
        if let Some(email) = email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| e.contains('@'))
        {
            let group = self.by_email.entry(email).or_default();
            if group.insert(id) && self.config.link_same_email {
                let others: Vec<UserId> = group.iter().copied().filter(|u| *u != id).collect();
                for other in others {
                    let conf = self.config.same_email_confidence;
                    self.add_link(UserLink::new(id, other, LinkKind::SameEmail, conf));
                }
            }
        }
        id
    }

    /// Adds (or replaces) a link. A link of a user to itself is ignored.
    pub fn add_link(&mut self, link: UserLink) {
        if link.a == link.b {
            return;
        }
        let key = (link.a.min(link.b), link.a.max(link.b));
        let keep_existing = self
            .links
            .get(&key)
            .is_some_and(|old| old.kind == LinkKind::Manual && link.kind != LinkKind::Manual);
        if !keep_existing {
            self.links.insert(key, link);
        }
    }

    /// Removes the link between two users; returns whether there was one.
    pub fn remove_link(&mut self, a: UserId, b: UserId) -> bool {
        self.links.remove(&(a.min(b), a.max(b))).is_some()
    }

    /// Every link.
    pub fn links(&self) -> impl Iterator<Item = &UserLink> {
        self.links.values()
    }

    /// The person `user` belongs to: the user and every user reachable through links of
    /// at least the minimum confidence. Always contains `user`.
    pub fn person_of(&self, user: UserId) -> BTreeSet<UserId> {
        let mut seen = BTreeSet::from([user]);
        let mut stack = vec![user];
        while let Some(u) = stack.pop() {
            for link in self.links.values() {
                if link.confidence < self.config.min_confidence {
                    continue;
                }
                let other = if link.a == u {
                    link.b
                } else if link.b == u {
                    link.a
                } else {
                    continue;
                };
                if seen.insert(other) {
                    stack.push(other);
                }
            }
        }
        seen
    }
}

/// External catalogue ids of an item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExternalIds {
    /// IMDb id (`tt0111161`).
    pub imdb: Option<String>,
    /// TMDb id (`278`).
    pub tmdb: Option<String>,
    /// TVDb id (`81189`).
    pub tvdb: Option<String>,
}

impl ExternalIds {
    /// Whether no id is known.
    pub fn is_empty(&self) -> bool {
        self.imdb.is_none() && self.tmdb.is_none() && self.tvdb.is_none()
    }

    /// Merges ids parsed from a Plex guid (`imdb://tt…`, `tmdb://…`, `tvdb://…`, and the
    /// legacy agents `com.plexapp.agents.imdb://tt…?lang=en`,
    /// `com.plexapp.agents.themoviedb://…`, `com.plexapp.agents.thetvdb://…`). Returns
    /// whether the guid carried an external id. `plex://…` guids carry none.
    pub fn add_plex_guid(&mut self, guid: &str) -> bool {
        let Some((scheme, rest)) = guid.trim().split_once("://") else {
            return false;
        };
        let value: &str = rest.split(['?', '/']).next().unwrap_or_default();
        if value.is_empty() {
            return false;
        }
        let scheme = scheme
            .rsplit('.')
            .next()
            .unwrap_or(scheme)
            .to_ascii_lowercase();
        let slot = match scheme.as_str() {
            "imdb" => &mut self.imdb,
            "tmdb" | "themoviedb" => &mut self.tmdb,
            "tvdb" | "thetvdb" => &mut self.tvdb,
            _ => return false,
        };
        if scheme == "imdb" && !is_imdb_id(value) {
            return false;
        }
        *slot = Some(value.to_owned());
        true
    }

    /// Merges Jellyfin/Emby `ProviderIds` (`{"Imdb": "tt…", "Tmdb": "…", "Tvdb": "…"}`,
    /// keys case-insensitive; empty values ignored).
    pub fn add_provider_ids<'a>(&mut self, ids: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (k, v) in ids {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k.to_ascii_lowercase().as_str() {
                "imdb" if is_imdb_id(v) => self.imdb = Some(v.to_owned()),
                "tmdb" => self.tmdb = Some(v.to_owned()),
                "tvdb" => self.tvdb = Some(v.to_owned()),
                _ => {}
            }
        }
    }

    /// The canonical content id: `imdb:…`, else `tmdb:…`, else `tvdb:…`. Items with the
    /// same content id are the same film or episode, whatever server played them.
    pub fn content_id(&self) -> Option<String> {
        if let Some(i) = &self.imdb {
            return Some(format!("imdb:{i}"));
        }
        if let Some(t) = &self.tmdb {
            return Some(format!("tmdb:{t}"));
        }
        self.tvdb.as_ref().map(|t| format!("tvdb:{t}"))
    }
}

fn is_imdb_id(s: &str) -> bool {
    s.len() > 2 && s.starts_with("tt") && s[2..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(s: &str) -> ExternalUserId {
        ExternalUserId::new(s).unwrap()
    }

    #[test]
    fn user_ids_are_deterministic_and_platform_scoped() {
        let s = ServerId::new("srv").unwrap();
        let a = derive_user_id(Platform::Plex, &s, &ext("1"));
        assert_eq!(a, derive_user_id(Platform::Plex, &s, &ext("1")));
        assert_ne!(a, derive_user_id(Platform::Jellyfin, &s, &ext("1")));
        assert_ne!(a, derive_user_id(Platform::Plex, &s, &ext("2")));
        let mut dir = UserDirectory::new(DirectoryConfig::default());
        let via_tautulli = dir.resolve(Source::Tautulli, &s, &ext("1"), None);
        let via_plex = dir.resolve(Source::Plex, &s, &ext("1"), None);
        assert_eq!(via_tautulli, via_plex);
    }

    #[test]
    fn people_from_links() {
        let s = ServerId::new("srv").unwrap();
        let j = ServerId::new("jf").unwrap();
        let mut dir = UserDirectory::new(DirectoryConfig::default());
        let a = dir.resolve(Source::Plex, &s, &ext("1"), Some("Ann@Example.com"));
        let b = dir.resolve(
            Source::Jellyfin,
            &j,
            &ext("guid-b"),
            Some("ann@example.com "),
        );
        let c = dir.resolve(Source::Plex, &s, &ext("3"), None);
        let d = dir.resolve(Source::Plex, &s, &ext("4"), None);
        assert_eq!(dir.person_of(a), BTreeSet::from([a, b]));
        dir.add_link(UserLink::new(b, c, LinkKind::Manual, 1.0));
        assert_eq!(dir.person_of(a), BTreeSet::from([a, b, c]));
        dir.add_link(UserLink::new(c, d, LinkKind::PlexHome, 0.2));
        assert_eq!(dir.person_of(d), BTreeSet::from([d]));
        assert!(dir.remove_link(c, b));
        assert_eq!(dir.person_of(c), BTreeSet::from([c]));
        // A same-email link never overwrites a manual one.
        dir.add_link(UserLink::new(a, b, LinkKind::Manual, 1.0));
        dir.add_link(UserLink::new(a, b, LinkKind::SameEmail, 0.1));
        let ab = dir
            .links()
            .find(|l| (l.a == a && l.b == b) || (l.a == b && l.b == a))
            .unwrap();
        assert_eq!(ab.kind, LinkKind::Manual);
    }

    #[test]
    fn plex_guids() {
        let mut ids = ExternalIds::default();
        assert!(ids.add_plex_guid("com.plexapp.agents.imdb://tt0111161?lang=en"));
        assert_eq!(ids.imdb.as_deref(), Some("tt0111161"));
        assert!(ids.add_plex_guid("tmdb://278"));
        assert!(ids.add_plex_guid("com.plexapp.agents.thetvdb://81189/1/1?lang=en"));
        assert_eq!(ids.tvdb.as_deref(), Some("81189"));
        assert!(!ids.add_plex_guid("plex://movie/5d7768…"));
        assert!(!ids.add_plex_guid("imdb://nope"));
        assert!(!ids.add_plex_guid("garbage"));
        assert_eq!(ids.content_id().as_deref(), Some("imdb:tt0111161"));
    }

    #[test]
    fn provider_ids_match_plex() {
        let mut plex = ExternalIds::default();
        plex.add_plex_guid("imdb://tt0816692");
        let mut jf = ExternalIds::default();
        jf.add_provider_ids([("Imdb", "tt0816692"), ("Tmdb", "157336"), ("Tvdb", "")]);
        assert_eq!(plex.content_id(), jf.content_id());
        assert_eq!(jf.tvdb, None);
    }
}
