//! A live session as a decoder hands it over: the core's [`SessionSnapshot`] plus the id
//! the media server's own control endpoints take to act on it (terminate, message).

use std::fmt;
use std::str::FromStr;

use cartographus_core::{IdError, SessionSnapshot, MAX_ID_LEN};
use serde::{Deserialize, Serialize};

/// The id a media server's control endpoints take for one session: Plex's
/// `Session.id` (for `/status/sessions/terminate?sessionId=`), the Jellyfin or Emby
/// session `Id` (for `/Sessions/{id}/Playing/Stop`). It is not always the core's
/// `SessionKey`: on Plex the key is `sessionKey`, a different value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RemoteSessionId(Box<str>);

impl RemoteSessionId {
    /// Builds the id: not empty, at most [`MAX_ID_LEN`] bytes, no control characters.
    pub fn new(s: impl AsRef<str>) -> Result<Self, IdError> {
        let s = s.as_ref();
        const KIND: &str = "remote session id";
        if s.trim().is_empty() {
            return Err(IdError::Empty { kind: KIND });
        }
        if s.len() > MAX_ID_LEN {
            return Err(IdError::TooLong {
                kind: KIND,
                len: s.len(),
            });
        }
        if s.chars().any(char::is_control) {
            return Err(IdError::ControlCharacter { kind: KIND });
        }
        Ok(Self(s.into()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RemoteSessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RemoteSessionId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::new(s)
    }
}

impl TryFrom<String> for RemoteSessionId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::new(s)
    }
}

impl From<RemoteSessionId> for String {
    fn from(id: RemoteSessionId) -> String {
        id.0.into()
    }
}

/// One session of a server's session list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RemoteSession {
    /// What the session tracker needs.
    pub snapshot: SessionSnapshot,
    /// The id to terminate or message this session with, when the server reported one.
    pub remote_id: Option<RemoteSessionId>,
}

impl RemoteSession {
    /// A session with its control id.
    pub fn new(snapshot: SessionSnapshot, remote_id: Option<RemoteSessionId>) -> Self {
        Self {
            snapshot,
            remote_id,
        }
    }

    /// The snapshots of a session list, in order, for
    /// `SessionTracker::handle_snapshot`.
    pub fn snapshots(sessions: &[RemoteSession]) -> Vec<SessionSnapshot> {
        sessions.iter().map(|s| s.snapshot.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_ids_validate() {
        assert!(RemoteSessionId::new("").is_err());
        assert!(RemoteSessionId::new("a\u{7}").is_err());
        let id: RemoteSessionId = "93h7e00ncblxncqw9lkfaoxi".parse().unwrap();
        assert_eq!(id.to_string(), "93h7e00ncblxncqw9lkfaoxi");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<RemoteSessionId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<RemoteSessionId>("\"\"").is_err());
    }
}
