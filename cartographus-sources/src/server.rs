//! What a decoder says about a media server itself and its accounts: the
//! [`ServerIdentity`] (`/identity`, `/System/Info`, Tautulli `get_server_info`) and the
//! [`ServerUser`] list (`/Users`, Tautulli `get_users`).

use cartographus_core::{Account, Platform, ServerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who a media server is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerIdentity {
    /// The server software.
    pub platform: Platform,
    /// Its stable id: Plex `machineIdentifier`, Jellyfin/Emby system `Id`.
    pub server_id: ServerId,
    /// The name its owner gave it.
    pub name: Option<String>,
    /// The server software's version.
    pub version: Option<String>,
    /// Whether a Plex server is claimed by an account (`None` elsewhere).
    pub claimed: Option<bool>,
}

impl ServerIdentity {
    /// An identity with only a platform and an id.
    pub fn new(platform: Platform, server_id: ServerId) -> Self {
        Self {
            platform,
            server_id,
            name: None,
            version: None,
            claimed: None,
        }
    }
}

/// One account of a media server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerUser {
    /// The account.
    pub account: Account,
    /// Whether it administers the server.
    pub is_admin: Option<bool>,
    /// Whether it is disabled (or, for Tautulli, inactive).
    pub is_disabled: Option<bool>,
    /// Whether it is a member of the owner's Plex Home.
    pub is_home_user: Option<bool>,
    /// When it was last active.
    pub last_activity: Option<DateTime<Utc>>,
}

impl ServerUser {
    /// A user with nothing known but its account.
    pub fn new(account: Account) -> Self {
        Self {
            account,
            is_admin: None,
            is_disabled: None,
            is_home_user: None,
            last_activity: None,
        }
    }
}
