//! The devices people watch on: the kinds (television, phone, tablet, desktop,
//! browser, music app) and, per platform, real client applications with their
//! platforms and versions — `Plex for Android (TV)` on a SHIELD, `Swiftfin` on an
//! iPhone, `Emby Theater` on an HTPC. No name looks like a script (`curl`, `python`,
//! `bot`…), so suspicious-client detection has nothing to say about them.

use std::net::Ipv4Addr;

use cartographus_core::Platform;

/// What a device is, which decides what is watched on it and from where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceKind {
    Tv,
    Mobile,
    Tablet,
    Desktop,
    Web,
    Music,
}

/// One device of one account.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Device {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) product: &'static str,
    pub(crate) platform: &'static str,
    pub(crate) version: &'static str,
    pub(crate) kind: DeviceKind,
    /// Its address on the server's LAN, for the owner's household.
    pub(crate) lan_ip: Option<Ipv4Addr>,
    /// Used only by a bad actor's script, never for everyday viewing.
    pub(crate) scripted: bool,
}

/// A client application on a kind of device.
#[derive(Debug)]
pub(crate) struct Model {
    pub(crate) product: &'static str,
    pub(crate) platform: &'static str,
    pub(crate) version: &'static str,
    pub(crate) kind: DeviceKind,
    pub(crate) name: &'static str,
}

const fn m(
    product: &'static str,
    platform: &'static str,
    version: &'static str,
    kind: DeviceKind,
    name: &'static str,
) -> Model {
    Model {
        product,
        platform,
        version,
        kind,
        name,
    }
}

use DeviceKind::{Desktop, Mobile, Music, Tablet, Tv, Web};

#[rustfmt::skip]
const PLEX_MODELS: &[Model] = &[
    m("Plex for Android (TV)", "Android", "10.18.0.1422", Tv, "SHIELD Android TV"),
    m("Plex for Roku", "Roku", "8.6.2.1230", Tv, "Roku Ultra"),
    m("Plex for LG", "webOS", "2.3.1", Tv, "LG OLED55C1"),
    m("Plex for Samsung", "Tizen", "5.4.0", Tv, "Samsung QN90A"),
    m("Plex for Apple TV", "tvOS", "8.37", Tv, "Apple TV 4K"),
    m("Plex for iOS", "iOS", "2024.12.0", Mobile, "iPhone"),
    m("Plex for Android", "Android", "10.18.0.1422", Mobile, "Pixel 8"),
    m("Plex for iOS", "iPadOS", "2024.12.0", Tablet, "iPad"),
    m("Plex Web", "Chrome", "4.145.1", Web, "Chrome"),
    m("Plex Web", "Firefox", "4.145.1", Web, "Firefox"),
    m("Plex HTPC", "Windows", "1.62.1", Desktop, "HTPC"),
    m("Plex for Mac", "macOS", "1.97.2", Desktop, "MacBook Pro"),
    m("Plexamp", "iOS", "4.11.2", Music, "iPhone"),
    m("Plexamp", "Android", "4.11.2", Music, "Galaxy S23"),
];

#[rustfmt::skip]
const JELLYFIN_MODELS: &[Model] = &[
    m("Jellyfin Android TV", "Android", "0.17.7", Tv, "Chromecast with Google TV"),
    m("Jellyfin Roku", "Roku", "2.2.5", Tv, "Roku Express"),
    m("Infuse", "tvOS", "8.0.9", Tv, "Apple TV"),
    m("Jellyfin Android", "Android", "2.6.2", Mobile, "Pixel 7"),
    m("Swiftfin", "iOS", "1.3.0", Mobile, "iPhone"),
    m("Swiftfin", "iPadOS", "1.3.0", Tablet, "iPad"),
    m("Jellyfin Web", "Chrome", "10.11.0", Web, "Chrome"),
    m("Jellyfin Web", "Firefox", "10.11.0", Web, "Firefox"),
    m("Jellyfin Media Player", "Windows", "1.11.1", Desktop, "LIVINGROOM-PC"),
    m("Finamp", "Android", "0.9.11", Music, "Galaxy S22"),
];

#[rustfmt::skip]
const EMBY_MODELS: &[Model] = &[
    m("Emby for Android TV", "Android", "2.0.90", Tv, "Fire TV Stick 4K"),
    m("Emby for Samsung", "Tizen", "2.1.5", Tv, "Samsung TV"),
    m("Emby for Roku", "Roku", "4.1.5", Tv, "Roku Streaming Stick"),
    m("Emby for LG", "webOS", "2.0.7", Tv, "LG TV"),
    m("Emby for Android", "Android", "3.4.20", Mobile, "Galaxy S21"),
    m("Emby for iOS", "iOS", "2.2.18", Mobile, "iPhone"),
    m("Emby for iOS", "iPadOS", "2.2.18", Tablet, "iPad"),
    m("Emby Web", "Chrome", "4.8.11.0", Web, "Chrome"),
    m("Emby Theater", "Windows", "3.0.20", Desktop, "HTPC"),
];

pub(crate) fn models(platform: Platform) -> &'static [Model] {
    match platform {
        Platform::Plex => PLEX_MODELS,
        Platform::Jellyfin => JELLYFIN_MODELS,
        Platform::Emby => EMBY_MODELS,
    }
}

pub(crate) const TV_ROOMS: &[&str] = &[
    "Living Room",
    "Bedroom TV",
    "Den",
    "Lounge",
    "Family Room",
    "Study",
];
