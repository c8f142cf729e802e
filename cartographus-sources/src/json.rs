//! The one entry point every decoder uses to turn bytes into a private wire struct:
//! `serde_json` with `serde_path_to_error`, so a failure names the JSON path of the
//! value that broke it.

use serde::de::DeserializeOwned;

use crate::error::{DecodeError, JsonPath};

/// Deserialises `bytes` into `T`, recording the path of any failure.
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(into_error)?;
    de.end().map_err(|source| DecodeError::Syntax {
        path: JsonPath::new(".".to_owned()),
        source,
    })?;
    Ok(value)
}

/// Deserialises an already parsed value (used when an envelope must be read before
/// its payload's type is known). `prefix` is the payload's path in the document.
pub(crate) fn from_value<T: DeserializeOwned>(
    value: serde_json::Value,
    prefix: &str,
) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (prefix, inner.as_str()) {
            (p, ".") => p.to_owned(),
            ("", i) => i.to_owned(),
            (p, i) if i.starts_with('[') => format!("{p}{i}"),
            (p, i) => format!("{p}.{i}"),
        };
        let source = e.into_inner();
        DecodeError::Shape {
            path: JsonPath::new(path),
            source,
        }
    })
}

fn into_error(e: serde_path_to_error::Error<serde_json::Error>) -> DecodeError {
    let path = JsonPath::new(e.path().to_string());
    let source = e.into_inner();
    match source.classify() {
        serde_json::error::Category::Data => DecodeError::Shape { path, source },
        _ => DecodeError::Syntax { path, source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Outer {
        #[allow(dead_code)]
        items: Vec<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Inner {
        #[allow(dead_code)]
        n: u32,
    }

    #[test]
    fn paths_name_the_failing_value() {
        let err = from_slice::<Outer>(br#"{"items":[{"n":1},{"n":"x"}]}"#).unwrap_err();
        assert!(matches!(err, DecodeError::Shape { .. }));
        assert_eq!(err.path().unwrap().as_str(), "items[1].n");
        let err = from_slice::<Outer>(b"{\"items\":[").unwrap_err();
        assert!(matches!(err, DecodeError::Syntax { .. }));
        let err = from_slice::<Outer>(br#"{"items":[]} trailing"#).unwrap_err();
        assert!(matches!(err, DecodeError::Syntax { .. }));
    }

    #[test]
    fn value_paths_are_prefixed() {
        let v = serde_json::json!({"items":[{"n":true}]});
        let err = from_value::<Outer>(v, "Data").unwrap_err();
        assert_eq!(err.path().unwrap().as_str(), "Data.items[0].n");
        let v = serde_json::json!([{"n":true}]);
        let err = from_value::<Vec<Inner>>(v, "Data").unwrap_err();
        assert_eq!(err.path().unwrap().as_str(), "Data[0].n");
    }
}
