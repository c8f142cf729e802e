//! The columns of a play export, in order: one list for CSV (every value as text) and
//! Parquet (typed values). Internal keys (hashes, correlation keys) are left out.

/// (header, typed expression, text expression) over `playback_events p`.
pub(crate) const COLUMNS: &[(&str, &str, &str)] = &[
    ("event_id", "p.event_id::VARCHAR", "p.event_id::VARCHAR"),
    (
        "reference_id",
        "p.reference_id::VARCHAR",
        "p.reference_id::VARCHAR",
    ),
    ("source", "p.source::VARCHAR", "p.source::VARCHAR"),
    ("server_id", "p.server_id", "p.server_id"),
    ("session_key", "p.session_key", "p.session_key"),
    (
        "started_at",
        "p.started_at",
        "strftime(p.started_at, '%Y-%m-%dT%H:%M:%SZ')",
    ),
    (
        "stopped_at",
        "p.stopped_at",
        "strftime(p.stopped_at, '%Y-%m-%dT%H:%M:%SZ')",
    ),
    (
        "play_duration_s",
        "p.play_duration_s",
        "p.play_duration_s::VARCHAR",
    ),
    ("paused_s", "p.paused_s", "p.paused_s::VARCHAR"),
    (
        "percent_complete",
        "p.percent_complete",
        "round(p.percent_complete, 2)::VARCHAR",
    ),
    ("watched", "p.watched", "p.watched::VARCHAR"),
    ("user_id", "p.user_id", "p.user_id::VARCHAR"),
    ("username", "p.username", "p.username"),
    ("friendly_name", "p.friendly_name", "p.friendly_name"),
    ("ip", "p.ip", "p.ip"),
    ("public_ip", "p.public_ip", "p.public_ip"),
    (
        "network_location",
        "p.network_location::VARCHAR",
        "p.network_location::VARCHAR",
    ),
    (
        "media_type",
        "p.media_type::VARCHAR",
        "p.media_type::VARCHAR",
    ),
    ("media_key", "p.media_key", "p.media_key"),
    ("title", "p.title", "p.title"),
    ("parent_title", "p.parent_title", "p.parent_title"),
    (
        "grandparent_title",
        "p.grandparent_title",
        "p.grandparent_title",
    ),
    ("season", "p.season", "p.season::VARCHAR"),
    ("episode", "p.episode", "p.episode::VARCHAR"),
    ("year", "p.year", "p.year::VARCHAR"),
    ("imdb_id", "p.imdb_id", "p.imdb_id"),
    ("library_name", "p.library_name", "p.library_name"),
    ("content_rating", "p.content_rating", "p.content_rating"),
    ("genres", "p.genres", "array_to_string(p.genres, ';')"),
    ("platform", "p.platform", "p.platform"),
    ("product", "p.product", "p.product"),
    ("player", "p.player", "p.player"),
    ("device_id", "p.device_id", "p.device_id"),
    (
        "transcode_decision",
        "p.transcode_decision::VARCHAR",
        "p.transcode_decision::VARCHAR",
    ),
    (
        "video_resolution",
        "p.video_resolution",
        "p.video_resolution",
    ),
    (
        "stream_video_resolution",
        "p.stream_video_resolution",
        "p.stream_video_resolution",
    ),
    ("video_codec", "p.video_codec", "p.video_codec"),
    ("audio_codec", "p.audio_codec", "p.audio_codec"),
    ("bitrate_kbps", "p.bitrate_kbps", "p.bitrate_kbps::VARCHAR"),
    (
        "bandwidth_kbps",
        "p.bandwidth_kbps",
        "p.bandwidth_kbps::VARCHAR",
    ),
    ("city", "p.city", "p.city"),
    ("region", "p.region", "p.region"),
    ("country_code", "p.country_code", "p.country_code"),
    ("latitude", "p.latitude", "p.latitude::VARCHAR"),
    ("longitude", "p.longitude", "p.longitude::VARCHAR"),
];

/// The select list, typed or as text.
pub(crate) fn select(text: bool) -> String {
    COLUMNS
        .iter()
        .map(|(name, typed, as_text)| format!("{} AS {name}", if text { as_text } else { typed }))
        .collect::<Vec<_>>()
        .join(", ")
}
