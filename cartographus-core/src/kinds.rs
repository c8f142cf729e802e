//! Closed domain enums: where an event came from, what was played, in which state and
//! how it was delivered. Each has a stable snake_case text form (`Display`/`FromStr`,
//! serde) used in correlation keys, the database and the API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A text that is not one of an enum's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}; expected one of: {expected}")]
pub struct UnknownVariant {
    /// Which enum was being parsed.
    pub kind: &'static str,
    /// The text that was given (cut to 64 characters).
    pub value: String,
    /// The accepted names, comma-separated.
    pub expected: &'static str,
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $kind:literal, { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable text form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, UnknownVariant> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownVariant {
                        kind: $kind,
                        value: s.chars().take(64).collect(),
                        expected: concat!($($text, " "),+),
                    }),
                }
            }
        }
    };
}

text_enum!(
    /// Where an event came from.
    Source, "source", {
        /// Live Plex ingestion (sessions, WebSocket, webhooks).
        Plex => "plex",
        /// Live Jellyfin ingestion.
        Jellyfin => "jellyfin",
        /// Live Emby ingestion.
        Emby => "emby",
        /// A Tautulli import (database file or API).
        Tautulli => "tautulli",
        /// Plex's own play history (`/status/sessions/history/all`).
        PlexHistory => "plex_history",
    }
);

text_enum!(
    /// What kind of item was played.
    MediaType, "media type", {
        /// A film.
        Movie => "movie",
        /// A TV episode.
        Episode => "episode",
        /// A music track.
        Track => "track",
        /// A clip, trailer or extra.
        Clip => "clip",
        /// A photo.
        Photo => "photo",
        /// Live TV.
        Live => "live",
        /// Anything else.
        Other => "other",
    }
);

text_enum!(
    /// The state of a playback session.
    PlaybackState, "playback state", {
        /// Playing.
        Playing => "playing",
        /// Paused by the viewer.
        Paused => "paused",
        /// Waiting for data.
        Buffering => "buffering",
        /// Ended.
        Stopped => "stopped",
    }
);

text_enum!(
    /// How the stream as a whole was delivered.
    TranscodeDecision, "transcode decision", {
        /// The file is played as it is.
        DirectPlay => "direct_play",
        /// Remuxed into another container (Plex `copy`, Jellyfin/Emby `DirectStream`).
        Copy => "copy",
        /// Re-encoded.
        Transcode => "transcode",
    }
);

text_enum!(
    /// What happened to one stream (video, audio or subtitles).
    StreamDecision, "stream decision", {
        /// Passed through untouched.
        DirectPlay => "direct_play",
        /// Copied into a new container.
        Copy => "copy",
        /// Re-encoded.
        Transcode => "transcode",
        /// Subtitles burned into the picture.
        Burn => "burn",
        /// Not delivered.
        Ignore => "ignore",
    }
);

text_enum!(
    /// Whether the client was on the server's local network.
    NetworkLocation, "network location", {
        /// Same network as the server.
        Lan => "lan",
        /// Over the internet.
        Wan => "wan",
    }
);

impl TranscodeDecision {
    /// Reads the decision words the media servers use: Plex `direct play`/`copy`/
    /// `transcode`, Jellyfin/Emby `DirectPlay`/`DirectStream`/`Transcode`, case and
    /// separators ignored. Returns `None` for anything else.
    pub fn from_wire(s: &str) -> Option<Self> {
        let norm: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match norm.as_str() {
            "directplay" => Some(Self::DirectPlay),
            "copy" | "directstream" => Some(Self::Copy),
            "transcode" => Some(Self::Transcode),
            _ => None,
        }
    }
}

impl StreamDecision {
    /// Reads Plex's per-stream decisions (`direct play`, `copy`, `transcode`, `burn`,
    /// `ignore`) and Jellyfin/Emby method names. Returns `None` for anything else.
    pub fn from_wire(s: &str) -> Option<Self> {
        let norm: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match norm.as_str() {
            "directplay" | "direct" => Some(Self::DirectPlay),
            "copy" | "directstream" => Some(Self::Copy),
            "transcode" => Some(Self::Transcode),
            "burn" => Some(Self::Burn),
            "ignore" => Some(Self::Ignore),
            _ => None,
        }
    }
}

impl MediaType {
    /// Reads the type names used by Plex (`movie`, `episode`, `track`, `clip`, `photo`)
    /// and Jellyfin/Emby (`Movie`, `Episode`, `Audio`, `Video`, `TvChannel`, `Photo`…),
    /// case-insensitively. Anything unknown becomes [`MediaType::Other`].
    pub fn from_wire(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "movie" => Self::Movie,
            "episode" => Self::Episode,
            "track" | "audio" | "musicvideo" => Self::Track,
            "clip" | "trailer" | "video" => Self::Clip,
            "photo" => Self::Photo,
            "live" | "tvchannel" | "livetvchannel" | "program" | "livetvprogram" => Self::Live,
            _ => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip() {
        for s in Source::ALL {
            assert_eq!(s.as_str().parse::<Source>().unwrap(), *s);
        }
        for m in MediaType::ALL {
            assert_eq!(m.to_string().parse::<MediaType>().unwrap(), *m);
        }
        let err = "vhs".parse::<MediaType>().unwrap_err();
        assert!(err.to_string().contains("movie"));
    }

    #[test]
    fn wire_words() {
        assert_eq!(
            TranscodeDecision::from_wire("direct play"),
            Some(TranscodeDecision::DirectPlay)
        );
        assert_eq!(
            TranscodeDecision::from_wire("DirectStream"),
            Some(TranscodeDecision::Copy)
        );
        assert_eq!(
            TranscodeDecision::from_wire("Transcode"),
            Some(TranscodeDecision::Transcode)
        );
        assert_eq!(TranscodeDecision::from_wire("??"), None);
        assert_eq!(MediaType::from_wire("Audio"), MediaType::Track);
        assert_eq!(MediaType::from_wire("TvChannel"), MediaType::Live);
        assert_eq!(MediaType::from_wire("Book"), MediaType::Other);
        assert_eq!(
            serde_json::to_string(&Source::PlexHistory).unwrap(),
            "\"plex_history\""
        );
    }
}
