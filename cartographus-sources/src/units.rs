//! Unit and vocabulary conversions shared by the platform decoders: .NET ticks to
//! milliseconds, pixel heights to Plex-style resolution labels, video range names to
//! the dynamic-range words Tautulli users know, and LAN/WAN from an address class.

use std::net::IpAddr;

use cartographus_core::{classify, IpClass, NetworkLocation};

/// .NET ticks (100 ns) per millisecond.
pub(crate) const TICKS_PER_MS: i64 = 10_000;

/// Milliseconds from .NET ticks; negative ticks are `None`.
pub(crate) fn ticks_to_ms(ticks: i64) -> Option<u64> {
    u64::try_from(ticks / TICKS_PER_MS)
        .ok()
        .filter(|_| ticks >= 0)
}

/// The resolution label Plex and Tautulli use (`4k`, `1080`, `720`, `576`, `480`,
/// `sd`) for a picture of the given size.
pub(crate) fn resolution_label(width: Option<u32>, height: Option<u32>) -> Option<String> {
    let (w, h) = (width.unwrap_or(0), height.unwrap_or(0));
    if w == 0 && h == 0 {
        return None;
    }
    let label = if h >= 1800 || w >= 3200 {
        "4k"
    } else if h >= 1000 || w >= 1800 {
        "1080"
    } else if h >= 700 || w >= 1200 {
        "720"
    } else if h >= 560 {
        "576"
    } else if h >= 470 {
        "480"
    } else {
        "sd"
    };
    Some(label.to_owned())
}

/// Dynamic range words from Jellyfin/Emby `VideoRangeType` / `VideoRange` values.
pub(crate) fn dynamic_range(range_type: &str) -> String {
    let lower: String = range_type
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let word = if lower.starts_with("dovi") || lower.contains("dolby") {
        "Dolby Vision"
    } else if lower == "hdr10plus" || lower == "hdr10+" {
        "HDR10+"
    } else if lower == "hdr10" {
        "HDR10"
    } else if lower == "hlg" {
        "HLG"
    } else if lower == "hdr" {
        "HDR"
    } else if lower == "sdr" {
        "SDR"
    } else {
        return range_type.to_owned();
    };
    word.to_owned()
}

/// LAN for addresses of the household's own networks, WAN for anything routable or
/// shared (CGNAT), `None` for meaningless addresses.
pub(crate) fn location_of(ip: IpAddr) -> Option<NetworkLocation> {
    match classify(ip) {
        IpClass::Private | IpClass::Loopback | IpClass::LinkLocal | IpClass::UniqueLocal => {
            Some(NetworkLocation::Lan)
        }
        IpClass::Public | IpClass::Cgnat | IpClass::Documentation => Some(NetworkLocation::Wan),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks() {
        assert_eq!(ticks_to_ms(17_431_791_950), Some(1_743_179));
        assert_eq!(ticks_to_ms(0), Some(0));
        assert_eq!(ticks_to_ms(-1), None);
        assert_eq!(ticks_to_ms(i64::MIN), None);
    }

    #[test]
    fn resolutions() {
        assert_eq!(
            resolution_label(Some(3840), Some(1608)).as_deref(),
            Some("4k")
        );
        assert_eq!(
            resolution_label(Some(1920), Some(800)).as_deref(),
            Some("1080")
        );
        assert_eq!(resolution_label(None, Some(720)).as_deref(), Some("720"));
        assert_eq!(
            resolution_label(Some(640), Some(360)).as_deref(),
            Some("sd")
        );
        assert_eq!(resolution_label(None, None), None);
    }

    #[test]
    fn ranges_and_locations() {
        assert_eq!(dynamic_range("DOVIWithHDR10"), "Dolby Vision");
        assert_eq!(dynamic_range("HDR10Plus"), "HDR10+");
        assert_eq!(dynamic_range("SDR"), "SDR");
        assert_eq!(dynamic_range("HDR 10"), "HDR10");
        assert_eq!(dynamic_range("Dolby Vision"), "Dolby Vision");
        assert_eq!(dynamic_range("Weird"), "Weird");
        assert_eq!(
            location_of("192.168.1.2".parse().unwrap()),
            Some(NetworkLocation::Lan)
        );
        assert_eq!(
            location_of("8.8.8.8".parse().unwrap()),
            Some(NetworkLocation::Wan)
        );
        assert_eq!(location_of("0.0.0.0".parse().unwrap()), None);
    }
}
