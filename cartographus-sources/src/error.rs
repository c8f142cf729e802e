//! The errors of decoding: one [`DecodeError`] for every decoder (bytes that are not the
//! expected wire format), carrying the JSON path of the value that failed, and the
//! [`MultipartError`] of the webhook body parser it may wrap.

use std::fmt;

/// Where in a JSON document a decoder gave up, as `MediaContainer.Metadata[2].sessionKey`
/// (`.` for the document itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonPath(String);

impl JsonPath {
    pub(crate) fn new(path: String) -> Self {
        Self(path)
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Bytes that are not what a media server sends.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not JSON at all (or end early).
    #[error("not valid JSON (at {path}): {source}")]
    Syntax {
        /// The last value reached before the error.
        path: JsonPath,
        /// The parser's error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The JSON is well formed but a value has the wrong type, is missing or is not a
    /// valid id.
    #[error("unexpected JSON at {path}: {source}")]
    Shape {
        /// The value that failed.
        path: JsonPath,
        /// What was wrong with it.
        #[source]
        source: serde_json::Error,
    },
    /// A webhook body is not well-formed `multipart/form-data`.
    #[error("invalid multipart body: {0}")]
    Multipart(#[from] MultipartError),
}

impl DecodeError {
    /// The JSON path of the failure, when the failure is inside a JSON document.
    pub fn path(&self) -> Option<&JsonPath> {
        match self {
            DecodeError::Syntax { path, .. } | DecodeError::Shape { path, .. } => Some(path),
            DecodeError::Multipart(_) => None,
        }
    }
}

/// Why a `multipart/form-data` body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MultipartError {
    /// The content type is not `multipart/…`.
    #[error("the content type is not multipart")]
    NotMultipart,
    /// The content type has no usable `boundary` parameter.
    #[error("the content type has no boundary parameter")]
    MissingBoundary,
    /// The body never contains the opening boundary.
    #[error("the body does not start with the boundary")]
    NoOpeningBoundary,
    /// A part's headers do not end (no blank line).
    #[error("part {index} has unterminated headers")]
    UnterminatedHeaders {
        /// The part's position, from 0.
        index: usize,
    },
    /// A part header line has no `:`.
    #[error("part {index} has a malformed header line")]
    MalformedHeader {
        /// The part's position, from 0.
        index: usize,
    },
    /// A part is not followed by a boundary.
    #[error("part {index} is not closed by a boundary")]
    UnterminatedPart {
        /// The part's position, from 0.
        index: usize,
    },
    /// The body has more parts than the parser accepts.
    #[error("more than {max} parts")]
    TooManyParts {
        /// The limit.
        max: usize,
    },
    /// The part the decoder needs is absent.
    #[error("no part named {name:?}")]
    MissingPart {
        /// The part's form name.
        name: &'static str,
    },
}

/// A `Shape` error for a value the wire structs accept as optional but a decoder needs.
pub(crate) fn missing(path: String, field: &str) -> DecodeError {
    DecodeError::Shape {
        path: JsonPath::new(path),
        source: serde::de::Error::custom(format_args!("missing field `{field}`")),
    }
}
