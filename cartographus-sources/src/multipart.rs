//! A small, sans-IO `multipart/form-data` reader (RFC 7578) for webhook bodies: Plex
//! posts its JSON as a `payload` part and sometimes a `thumb` JPEG part; old Emby
//! versions post a `data` part. It takes the `Content-Type` header value and the whole
//! body (the caller has already bounded its size) and returns borrowed parts. It never
//! panics, whatever the input; lines may end in CRLF or, leniently, LF.

use crate::error::MultipartError;

/// The most parts a body may have.
pub(crate) const MAX_PARTS: usize = 32;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part<'a> {
    /// The `name` of its `Content-Disposition`.
    pub(crate) name: Option<String>,
    /// Its `Content-Type`, if given.
    pub(crate) content_type: Option<String>,
    /// Its bytes.
    pub(crate) body: &'a [u8],
}

/// The `boundary` parameter of a `multipart/*` content type.
pub(crate) fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let mut params = content_type.split(';');
    let mime = params
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if !mime.starts_with("multipart/") {
        return Err(MultipartError::NotMultipart);
    }
    for p in params {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case("boundary") {
            continue;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        // RFC 2046: 1 to 70 characters.
        if v.is_empty() || v.len() > 70 || v.contains(['\r', '\n']) {
            return Err(MultipartError::MissingBoundary);
        }
        return Ok(v.to_owned());
    }
    Err(MultipartError::MissingBoundary)
}

/// Splits a body into its parts.
pub(crate) fn parse<'a>(
    content_type: &str,
    body: &'a [u8],
) -> Result<Vec<Part<'a>>, MultipartError> {
    let boundary = boundary(content_type)?;
    let delim: Vec<u8> = [b"--".as_slice(), boundary.as_bytes()].concat();

    // The first delimiter is at the very start or at the start of a line.
    let mut pos = if body.starts_with(&delim) {
        delim.len()
    } else {
        let nl: Vec<u8> = [b"\n".as_slice(), &delim].concat();
        find(body, &nl, 0).ok_or(MultipartError::NoOpeningBoundary)? + nl.len()
    };

    let mut parts = Vec::new();
    loop {
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let index = parts.len();
        if index == MAX_PARTS {
            return Err(MultipartError::TooManyParts { max: MAX_PARTS });
        }
        // Transport padding, then the end of the delimiter line.
        let line_end = find(body, b"\n", pos).ok_or(MultipartError::UnterminatedPart { index })?;
        pos = line_end + 1;

        // Headers, up to a blank line.
        let mut name = None;
        let mut content_type = None;
        loop {
            let end =
                find(body, b"\n", pos).ok_or(MultipartError::UnterminatedHeaders { index })?;
            let line = trim_cr(&body[pos..end]);
            pos = end + 1;
            if line.is_empty() {
                break;
            }
            let line = String::from_utf8_lossy(line);
            let (k, v) = line
                .split_once(':')
                .ok_or(MultipartError::MalformedHeader { index })?;
            let k = k.trim();
            if k.eq_ignore_ascii_case("content-disposition") {
                name = disposition_param(v, "name");
            } else if k.eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
            }
        }

        // The body runs to the next line that starts with the delimiter.
        let nl: Vec<u8> = [b"\n".as_slice(), &delim].concat();
        let end = find(body, &nl, pos).ok_or(MultipartError::UnterminatedPart { index })?;
        let mut part_body = &body[pos..end];
        if let Some(stripped) = part_body.strip_suffix(b"\r") {
            part_body = stripped;
        }
        parts.push(Part {
            name,
            content_type,
            body: part_body,
        });
        pos = end + nl.len();
    }
}

/// The first part with the given form name.
pub(crate) fn part_named<'p, 'a>(parts: &'p [Part<'a>], name: &str) -> Option<&'p Part<'a>> {
    parts.iter().find(|p| p.name.as_deref() == Some(name))
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A parameter of a `Content-Disposition` value (`form-data; name="payload"`).
fn disposition_param(value: &str, param: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case(param) {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        Some(v.to_owned())
    })
}

/// The first index at or after `from` where `needle` occurs.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=------------------------d74496d66958873e";

    #[test]
    fn two_parts_like_plex() {
        let body = b"--------------------------d74496d66958873e\r\n\
Content-Disposition: form-data; name=\"payload\"\r\n\
Content-Type: application/json\r\n\
\r\n\
{\"event\":\"media.play\"}\r\n\
--------------------------d74496d66958873e\r\n\
Content-Disposition: form-data; name=\"thumb\"; filename=\"thumb.jpg\"\r\n\
Content-Type: image/jpeg\r\n\
\r\n\
\xff\xd8\xff\r\n\
--------------------------d74496d66958873e--\r\n";
        let parts = parse(CT, body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            part_named(&parts, "payload").unwrap().body,
            b"{\"event\":\"media.play\"}"
        );
        let thumb = part_named(&parts, "thumb").unwrap();
        assert_eq!(thumb.body, b"\xff\xd8\xff");
        assert_eq!(thumb.content_type.as_deref(), Some("image/jpeg"));
    }

    #[test]
    fn lf_only_preamble_and_quoted_boundary() {
        let body = b"preamble\n--xyz\nContent-Disposition: form-data; name=data\n\n{}\n--xyz--";
        let parts = parse("Multipart/Form-Data; boundary=\"xyz\"", body).unwrap();
        assert_eq!(parts[0].name.as_deref(), Some("data"));
        assert_eq!(parts[0].body, b"{}");
    }

    #[test]
    fn errors() {
        assert_eq!(
            boundary("application/json"),
            Err(MultipartError::NotMultipart)
        );
        assert_eq!(
            boundary("multipart/form-data"),
            Err(MultipartError::MissingBoundary)
        );
        assert_eq!(
            parse(CT, b"nothing here").unwrap_err(),
            MultipartError::NoOpeningBoundary
        );
        let open = b"--------------------------d74496d66958873e\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nbody";
        assert_eq!(
            parse(CT, open).unwrap_err(),
            MultipartError::UnterminatedPart { index: 0 }
        );
        let bad = b"--------------------------d74496d66958873e\r\nno colon\r\n\r\n";
        assert_eq!(
            parse(CT, bad).unwrap_err(),
            MultipartError::MalformedHeader { index: 0 }
        );
    }
}
