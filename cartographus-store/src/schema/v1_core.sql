-- Migration 1: plays, places, people, servers, content and the audit tables.
-- Every TIMESTAMP column holds UTC. Text enums are DuckDB ENUMs (one byte per row).
-- Uniqueness of the correlation key is enforced on its 128-bit MD5 (correlation_hash):
-- an index of 16-byte keys instead of ~60-byte strings keeps the file and memory small.

CREATE TYPE source_t AS ENUM ('plex', 'jellyfin', 'emby', 'tautulli', 'plex_history');
CREATE TYPE media_type_t AS ENUM ('movie', 'episode', 'track', 'clip', 'photo', 'live', 'other');
CREATE TYPE play_state_t AS ENUM ('playing', 'paused', 'buffering', 'stopped');
CREATE TYPE transcode_t AS ENUM ('direct_play', 'copy', 'transcode');
CREATE TYPE stream_decision_t AS ENUM ('direct_play', 'copy', 'transcode', 'burn', 'ignore');
CREATE TYPE net_location_t AS ENUM ('lan', 'wan');
CREATE TYPE geo_source_t AS ENUM ('mmdb', 'override', 'private', 'unknown');
CREATE TYPE dedup_layer_t AS ENUM ('event_id', 'correlation_key', 'cross_source');

CREATE TABLE playback_events (
    event_id              UUID NOT NULL PRIMARY KEY,
    source                source_t NOT NULL,
    server_id             VARCHAR NOT NULL,
    session_key           VARCHAR NOT NULL,
    correlation_key       VARCHAR NOT NULL,
    correlation_hash      UHUGEINT NOT NULL UNIQUE,
    cross_source_key      VARCHAR NOT NULL,
    xs_identity           BIGINT NOT NULL,
    reference_id          UUID,
    started_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL,
    stopped_at            TIMESTAMP,
    play_duration_s       UINTEGER NOT NULL,
    paused_s              UINTEGER NOT NULL,
    percent_complete      DOUBLE NOT NULL,
    view_offset_ms        UBIGINT,
    media_duration_ms     UBIGINT,
    state                 play_state_t NOT NULL,
    watched               BOOLEAN NOT NULL,
    user_id               BIGINT NOT NULL,
    external_user_id      VARCHAR NOT NULL,
    username              VARCHAR NOT NULL,
    friendly_name         VARCHAR,
    ip                    VARCHAR,
    public_ip             VARCHAR,
    network_location      net_location_t,
    secure                BOOLEAN,
    relayed               BOOLEAN,
    bandwidth_kbps        UINTEGER,
    media_type            media_type_t NOT NULL,
    media_key             VARCHAR NOT NULL,
    title                 VARCHAR NOT NULL,
    parent_title          VARCHAR,
    grandparent_title     VARCHAR,
    parent_media_key      VARCHAR,
    grandparent_media_key VARCHAR,
    season                UINTEGER,
    episode               UINTEGER,
    year                  USMALLINT,
    guid                  VARCHAR,
    imdb_id               VARCHAR,
    tmdb_id               VARCHAR,
    tvdb_id               VARCHAR,
    library_id            VARCHAR,
    library_name          VARCHAR,
    content_rating        VARCHAR,
    genres                VARCHAR[] NOT NULL,
    platform              VARCHAR,
    platform_version      VARCHAR,
    product               VARCHAR,
    product_version       VARCHAR,
    player                VARCHAR,
    device_id             VARCHAR,
    transcode_decision    transcode_t,
    video_decision        stream_decision_t,
    audio_decision        stream_decision_t,
    subtitle_decision     stream_decision_t,
    video_resolution      VARCHAR,
    stream_video_resolution VARCHAR,
    video_codec           VARCHAR,
    stream_video_codec    VARCHAR,
    audio_codec           VARCHAR,
    stream_audio_codec    VARCHAR,
    audio_channels        UTINYINT,
    stream_audio_channels UTINYINT,
    bitrate_kbps          UINTEGER,
    stream_bitrate_kbps   UINTEGER,
    container             VARCHAR,
    stream_container      VARCHAR,
    dynamic_range         VARCHAR,
    subtitle_codec        VARCHAR,
    hw_decode             BOOLEAN,
    hw_encode             BOOLEAN,
    live                  BOOLEAN NOT NULL,
    latitude              DOUBLE,
    longitude             DOUBLE,
    geo_accuracy_km       DOUBLE,
    country_code          VARCHAR,
    country_name          VARCHAR,
    region                VARCHAR,
    city                  VARCHAR,
    postal_code           VARCHAR,
    time_zone             VARCHAR,
    asn                   UINTEGER,
    as_org                VARCHAR,
    location_label        VARCHAR,
    geo_source            geo_source_t,
    h3_r6                 UBIGINT,
    h3_r7                 UBIGINT,
    h3_r8                 UBIGINT
);

-- The cross-source key is probed through its identity hash (see ingest.rs).
CREATE INDEX playback_events_cross_source ON playback_events (xs_identity);

CREATE TABLE geolocations (
    ip            VARCHAR NOT NULL PRIMARY KEY,
    latitude      DOUBLE,
    longitude     DOUBLE,
    accuracy_km   DOUBLE,
    city          VARCHAR,
    region        VARCHAR,
    country_code  VARCHAR,
    country_name  VARCHAR,
    postal_code   VARCHAR,
    time_zone     VARCHAR,
    asn           UINTEGER,
    as_org        VARCHAR,
    label         VARCHAR,
    h3_r6         UBIGINT,
    h3_r7         UBIGINT,
    h3_r8         UBIGINT,
    source        geo_source_t NOT NULL,
    looked_up_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE servers (
    server_id     VARCHAR NOT NULL PRIMARY KEY,
    platform      VARCHAR NOT NULL,
    name          VARCHAR,
    url           VARCHAR,
    version       VARCHAR,
    latitude      DOUBLE,
    longitude     DOUBLE,
    first_seen_at TIMESTAMP,
    last_seen_at  TIMESTAMP
);

CREATE TABLE users (
    user_id          BIGINT NOT NULL PRIMARY KEY,
    platform         VARCHAR NOT NULL,
    server_id        VARCHAR NOT NULL,
    external_user_id VARCHAR NOT NULL,
    username         VARCHAR NOT NULL,
    friendly_name    VARCHAR,
    email            VARCHAR,
    thumb            VARCHAR,
    is_admin         BOOLEAN,
    is_home_user     BOOLEAN,
    first_seen_at    TIMESTAMP,
    last_seen_at     TIMESTAMP
);

CREATE TABLE user_links (
    user_a     BIGINT NOT NULL,
    user_b     BIGINT NOT NULL,
    kind       VARCHAR NOT NULL,
    confidence DOUBLE NOT NULL,
    PRIMARY KEY (user_a, user_b)
);

CREATE TABLE content_mappings (
    server_id  VARCHAR NOT NULL,
    media_key  VARCHAR NOT NULL,
    platform   VARCHAR NOT NULL,
    media_type media_type_t NOT NULL,
    title      VARCHAR NOT NULL,
    content_id VARCHAR NOT NULL,
    imdb_id    VARCHAR,
    tmdb_id    VARCHAR,
    tvdb_id    VARCHAR,
    PRIMARY KEY (server_id, media_key)
);

CREATE SEQUENCE dedupe_audit_seq;
CREATE TABLE dedupe_audit (
    audit_id          BIGINT NOT NULL PRIMARY KEY DEFAULT nextval('dedupe_audit_seq'),
    event_id          UUID NOT NULL,
    layer             dedup_layer_t NOT NULL,
    original_event_id UUID,
    source            source_t NOT NULL,
    server_id         VARCHAR NOT NULL,
    correlation_key   VARCHAR NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    payload           JSON NOT NULL,
    recorded_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    restored_at       TIMESTAMP
);

CREATE SEQUENCE failed_events_seq;
CREATE TABLE failed_events (
    failed_id    BIGINT NOT NULL PRIMARY KEY DEFAULT nextval('failed_events_seq'),
    event_id     UUID,
    source       VARCHAR,
    stage        VARCHAR NOT NULL,
    error        VARCHAR NOT NULL,
    payload      JSON NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 1,
    failed_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    resolved_at  TIMESTAMP
);

CREATE TABLE import_checkpoints (
    importer      VARCHAR NOT NULL,
    server_id     VARCHAR NOT NULL,
    last_row_id   BIGINT NOT NULL,
    rows_imported BIGINT NOT NULL,
    PRIMARY KEY (importer, server_id)
);
