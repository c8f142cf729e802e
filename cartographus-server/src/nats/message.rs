//! The message format on the wire (sans-IO): a schema-versioned JSON envelope
//! `{"v":1,"event":{…}}` around a `PlaybackEvent`, the subject it goes to, and its
//! message id. Documented in `docs/design.md` under "NATS message".

use cartographus_core::{EventId, PlaybackEvent};
use serde::{Deserialize, Serialize};

/// The envelope version this build writes and reads.
pub const MESSAGE_VERSION: u64 = 1;

/// Why a received message is not an event this build can use.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The payload is not a JSON object with a numeric `v`.
    #[error("the message is not a versioned JSON envelope: {0}")]
    NotAnEnvelope(#[source] serde_json::Error),
    /// The envelope version is not one this build reads.
    #[error("message version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion {
        /// The version in the message.
        found: u64,
        /// The version this build reads.
        supported: u64,
    },
    /// The `event` is missing or is not a valid `PlaybackEvent`.
    #[error("the message's event is not valid: {0}")]
    InvalidEvent(#[source] serde_json::Error),
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    v: u64,
    event: &'a PlaybackEvent,
}

#[derive(Deserialize)]
struct Version {
    v: u64,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    event: PlaybackEvent,
}

/// The message body of an event.
pub fn encode(event: &PlaybackEvent) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&EnvelopeOut {
        v: MESSAGE_VERSION,
        event,
    })
}

/// Reads an event from a message body.
pub fn decode(payload: &[u8]) -> Result<PlaybackEvent, MessageError> {
    let Version { v } = serde_json::from_slice(payload).map_err(MessageError::NotAnEnvelope)?;
    if v != MESSAGE_VERSION {
        return Err(MessageError::UnsupportedVersion {
            found: v,
            supported: MESSAGE_VERSION,
        });
    }
    let EnvelopeIn { event } =
        serde_json::from_slice(payload).map_err(MessageError::InvalidEvent)?;
    Ok(event)
}

/// The subject of an event: `{prefix}.{source}.{media_type}`, e.g.
/// `playback.plex.episode`.
pub fn subject(prefix: &str, event: &PlaybackEvent) -> String {
    format!(
        "{prefix}.{}.{}",
        event.identity.source, event.content.media_type
    )
}

/// The `Nats-Msg-Id` of an event: its id, so JetStream drops a re-publish (after a retry or
/// a WAL replay) within the duplicate window.
pub fn message_id(event: &PlaybackEvent) -> String {
    event.event_id().to_string()
}

/// The event id in a message body, when the body is at least a JSON object with an
/// `event.identity.event_id` (for dead letters of bodies that do not decode fully).
pub fn sniff_event_id(payload: &[u8]) -> Option<EventId> {
    #[derive(Deserialize)]
    struct Id {
        event_id: EventId,
    }
    #[derive(Deserialize)]
    struct Ev {
        identity: Id,
    }
    #[derive(Deserialize)]
    struct Env {
        event: Ev,
    }
    serde_json::from_slice::<Env>(payload)
        .ok()
        .map(|e| e.event.identity.event_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartographus_core::{
        derive_user_id, Account, ContentInfo, EventParts, ExternalUserId, MediaKey, MediaType,
        ServerId, SessionKey, Source, Timing,
    };
    use chrono::{TimeZone, Utc};

    fn event() -> PlaybackEvent {
        let server = ServerId::new("srv").unwrap();
        let ext = ExternalUserId::new("42").unwrap();
        let uid = derive_user_id(Source::Jellyfin.platform(), &server, &ext);
        PlaybackEvent::assemble(EventParts::new(
            Source::Jellyfin,
            server,
            SessionKey::new("abc").unwrap(),
            Timing::started(Utc.timestamp_opt(1_767_000_000, 0).unwrap()),
            Account::new(ext, "ann").to_user_info(uid),
            ContentInfo::new(MediaType::Episode, MediaKey::new("m1").unwrap(), "Pilot"),
        ))
    }

    #[test]
    fn round_trip_and_shape() {
        let e = event();
        let body = encode(&e).unwrap();
        assert_eq!(decode(&body).unwrap(), e);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["v"], 1);
        assert_eq!(
            v["event"]["identity"]["event_id"],
            e.event_id().to_string().as_str()
        );
        assert_eq!(subject("playback", &e), "playback.jellyfin.episode");
        assert_eq!(message_id(&e), e.event_id().to_string());
        assert_eq!(sniff_event_id(&body), Some(e.event_id()));
    }

    #[test]
    fn bad_bodies_are_typed() {
        assert!(matches!(
            decode(b"nope"),
            Err(MessageError::NotAnEnvelope(_))
        ));
        assert!(matches!(decode(b"{}"), Err(MessageError::NotAnEnvelope(_))));
        assert!(matches!(
            decode(br#"{"v":2,"event":{}}"#),
            Err(MessageError::UnsupportedVersion {
                found: 2,
                supported: 1
            })
        ));
        assert!(matches!(
            decode(br#"{"v":1}"#),
            Err(MessageError::InvalidEvent(_))
        ));
        assert!(matches!(
            decode(br#"{"v":1,"event":{"identity":1}}"#),
            Err(MessageError::InvalidEvent(_))
        ));
        assert_eq!(sniff_event_id(b"[]"), None);
    }
}
