// The JSON shapes of the Cartographus API (`/api/v1`), written by hand from the Rust
// structs they serialise (cartographus-store, cartographus-core, cartographus-server).
// Times are RFC 3339 strings; ids that do not fit a JSON number are strings.
// Once docs/openapi.json is committed, `npm run gen:api` writes schema.d.ts and these
// types are checked against it (see src/api/schema-check.ts).

/** RFC 3339 time. */
export type Time = string;

/**
 * A user id: a 64-bit number the server sends as a string (JSON numbers lose digits past
 * 2^53; the client turns any such number into a string too, see `parseJson`).
 */
export type UserId = string;

// ---- auth -----------------------------------------------------------------------

export type Role = 'viewer' | 'admin';

/** `GET /auth/me` (the server's `Principal`). */
export interface Principal {
  name: string;
  role: Role;
}

/** `POST /auth/login`. */
export interface LoginResponse {
  token: string;
  expires_at: Time;
  user: Principal;
}

// ---- errors ---------------------------------------------------------------------

/** The error body: the server sends `{error, parameter?}`; `{error: {code, message, parameter}}` is accepted too. */
export interface ErrorBody {
  error: string | { code?: string; message?: string; parameter?: string };
  parameter?: string;
}

// ---- core: playback events --------------------------------------------------------

export type Source = 'plex' | 'jellyfin' | 'emby' | 'tautulli' | 'plex_history';
export type MediaType = 'movie' | 'episode' | 'track' | 'clip' | 'photo' | 'live' | 'other';
export type PlaybackState = 'playing' | 'paused' | 'buffering' | 'stopped';
export type TranscodeDecision = 'direct_play' | 'copy' | 'transcode';

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface Geolocation {
  point: GeoPoint | null;
  accuracy_km: number | null;
  city: string | null;
  region: string | null;
  country_code: string | null;
  country_name: string | null;
  time_zone?: string | null;
  as_org?: string | null;
  label?: string | null;
}

/** One play (`cartographus_core::PlaybackEvent`). */
export interface PlaybackEvent {
  identity: {
    event_id: string;
    source: Source;
    server_id: string;
    session_key: string;
    reference_id: string | null;
  };
  timing: {
    started_at: Time;
    updated_at: Time;
    stopped_at: Time | null;
    play_duration_s: number;
    paused_s: number;
    percent_complete: number;
    view_offset_ms: number | null;
    media_duration_ms: number | null;
    state: PlaybackState;
    watched: boolean;
  };
  user: {
    user_id: UserId;
    username: string;
    friendly_name: string | null;
    thumb?: string | null;
  };
  network: {
    ip: string | null;
    public_ip: string | null;
    location: 'lan' | 'wan' | null;
    secure: boolean | null;
    relayed: boolean | null;
    bandwidth_kbps: number | null;
  };
  content: {
    media_type: MediaType;
    media_key: string;
    title: string;
    parent_title: string | null;
    grandparent_title: string | null;
    season: number | null;
    episode: number | null;
    year: number | null;
    library_name: string | null;
    content_rating: string | null;
    genres: string[];
  };
  device: {
    platform: string | null;
    product: string | null;
    player: string | null;
    device_id: string | null;
  };
  quality: {
    transcode_decision: TranscodeDecision | null;
    video_resolution: string | null;
    stream_video_resolution: string | null;
    video_codec: string | null;
    stream_video_codec: string | null;
    audio_codec: string | null;
    bitrate_kbps: number | null;
    stream_bitrate_kbps: number | null;
    dynamic_range: string | null;
    hw_encode: boolean | null;
  };
  live: boolean;
  geo: Geolocation | null;
}

/** `GET /playbacks`. */
export interface PlaybackPage {
  items: PlaybackEvent[];
  /** The server sends `next`; `next_cursor` is accepted too. */
  next?: string | null;
  next_cursor?: string | null;
}

/** One distinct value of a filter dimension. */
export interface FilterValue {
  value: string;
  label: string | null;
  plays: number;
}

/** `GET /filters`: dimension name → values. */
export type FilterValues = Partial<Record<string, FilterValue[]>>;

// ---- live -----------------------------------------------------------------------

/** `GET /sessions/live` items. */
export interface LiveSession {
  server_name: string;
  event: PlaybackEvent;
}

/** The `playback` message of the hub. */
export interface LiveUpdate {
  /** `started`, `paused`, `resumed`, `progress` or `stopped`. */
  action: string;
  server_name: string;
  event: PlaybackEvent;
}

// ---- overview and trends ------------------------------------------------------------

export interface CountryCount {
  country_code: string;
  country_name: string | null;
  plays: number;
  users: number;
}

/** `GET /stats`. */
export interface Overview {
  plays: number;
  streams: number;
  watch_time_s: number;
  users: number;
  locations: number;
  countries: number;
  top_countries: CountryCount[];
  last_activity: Time | null;
  database_bytes: number;
  accuracy: 'exact' | 'approximate';
}

export type Interval = 'hour' | 'day' | 'week' | 'month';

export interface TrendPoint {
  start: Time;
  plays: number;
  watch_hours: number;
  users: number;
}

export interface Trends {
  interval: Interval;
  zone: string;
  points: TrendPoint[];
}

export interface WeekdayCount {
  weekday: number;
  plays: number;
  watch_hours: number;
}

export interface HourCount {
  hour: number;
  plays: number;
  watch_hours: number;
}

export interface HeatCell {
  weekday: number;
  hour: number;
  plays: number;
}

export interface CalendarDay {
  date: string;
  plays: number;
  watch_hours: number;
}

export type TopKind =
  | 'movies'
  | 'shows'
  | 'episodes'
  | 'artists'
  | 'users'
  | 'platforms'
  | 'players'
  | 'libraries';

export type RankBy = 'plays' | 'watch_time' | 'users';

export interface TopEntry {
  key: string;
  label: string;
  plays: number;
  watch_time_s: number;
  users: number;
  last_played: Time | null;
}

export interface RecentPlay {
  event_id: string;
  started_at: Time;
  user_id: UserId;
  user: string;
  title: string;
  media_type: string;
  platform: string | null;
  player: string | null;
  city: string | null;
  country_code: string | null;
  percent_complete: number;
}

// ---- users ------------------------------------------------------------------------

export interface UserStats {
  user_id: UserId;
  username: string;
  friendly_name: string | null;
  plays: number;
  watch_time_s: number;
  first_seen: Time | null;
  last_seen: Time | null;
  devices: number;
  ips: number;
  locations: number;
  avg_completion: number;
}

export interface UserDevice {
  device: string;
  player: string | null;
  platform: string | null;
  product: string | null;
  plays: number;
  first_seen: Time | null;
  last_seen: Time | null;
}

export interface UserIp {
  ip: string;
  plays: number;
  first_seen: Time | null;
  last_seen: Time | null;
  city: string | null;
  country_code: string | null;
  network_location: string | null;
}

export interface UserLocation {
  city: string | null;
  country_code: string | null;
  latitude: number;
  longitude: number;
  plays: number;
  first_seen: Time | null;
  last_seen: Time | null;
}

/** A user's totals, devices, addresses and places (`detail` of `GET /users/{id}`). */
export interface UserDetail {
  stats: UserStats;
  devices: UserDevice[];
  ips: UserIp[];
  locations: UserLocation[];
}

/** A stored user account. */
export interface UserRecord {
  user_id: UserId;
  platform: string;
  server_id: string;
  username: string;
  friendly_name: string | null;
  email?: string | null;
  is_admin: boolean | null;
  is_home_user: boolean | null;
  first_seen_at: Time | null;
  last_seen_at: Time | null;
}

/** `GET /users/{id}`: the account, its detail under the filter, and trust. */
export interface UserPage {
  user: UserRecord | null;
  detail: UserDetail | null;
  trust: TrustScore | null;
  ledger: LedgerEntry[];
}

export interface AbandonBucket {
  from_percent: number;
  to_percent: number;
  plays: number;
}

export interface UserEngagement {
  user_id: UserId;
  username: string;
  plays: number;
  fully_watched: number;
  completion_rate: number;
  avg_abandon_percent: number | null;
}

export interface Engagement {
  plays: number;
  fully_watched: number;
  abandoned: number;
  completion_rate: number;
  abandon_histogram: AbandonBucket[];
  users: UserEngagement[];
}

export interface BingeSession {
  user_id: UserId;
  username: string;
  show: string;
  episodes: number;
  started_at: Time;
  ended_at: Time;
  watch_time_s: number;
}

export interface BingeReport {
  total: number;
  sessions: BingeSession[];
}

export interface WatchParty {
  server_id: string;
  media_key: string;
  title: string;
  started_at: Time;
  last_start: Time;
  user_ids: UserId[];
  usernames: string[];
}

export interface PartyReport {
  total: number;
  parties: WatchParty[];
}

// ---- quality, concurrency, content ----------------------------------------------------

export interface ShareOf {
  key: string;
  streams: number;
  share: number;
}

export interface PlatformDecisions {
  platform: string;
  direct_play: number;
  copy: number;
  transcode: number;
}

export interface ResolutionChange {
  from: string;
  to: string;
  streams: number;
  downgrade: boolean;
}

export interface Distribution {
  p50: number | null;
  p95: number | null;
  mean: number | null;
}

export interface QualityReport {
  streams: number;
  decisions: ShareOf[];
  by_platform: PlatformDecisions[];
  hardware_transcode_share: number;
  resolution_changes: ResolutionChange[];
  downgrades: number;
  video_codecs: ShareOf[];
  audio_codecs: ShareOf[];
  containers: ShareOf[];
  dynamic_ranges: ShareOf[];
  audio_channels: ShareOf[];
  subtitles: ShareOf[];
  network_locations: ShareOf[];
  secure: ShareOf[];
  relayed: ShareOf[];
  bandwidth_kbps: Distribution;
  bitrate_kbps: Distribution;
}

export interface QualityTrendPoint {
  start: Time;
  direct_play: number;
  copy: number;
  transcode: number;
}

export interface ConcurrencyPeak {
  at: Time;
  streams: number;
  direct_play: number;
  copy: number;
  transcode: number;
}

export interface ConcurrencyBucket {
  start: Time;
  peak: number;
  peak_direct_play: number;
  peak_copy: number;
  peak_transcode: number;
}

export interface ConcurrencyReport {
  interval: Interval;
  zone: string;
  peak: ConcurrencyPeak | null;
  top: ConcurrencyPeak[];
  buckets: ConcurrencyBucket[];
}

export type BreakdownBy =
  | 'library'
  | 'media_type'
  | 'content_rating'
  | 'year'
  | 'genre'
  | 'platform'
  | 'country'
  | 'server'
  | 'source';

export interface GroupStats {
  key: string;
  plays: number;
  watch_time_s: number;
  users: number;
  avg_completion: number;
}

export interface Cohort {
  week: string;
  users: number;
  week_1: number;
  week_4: number;
  week_12: number;
  retention_1: number | null;
  retention_4: number | null;
  retention_12: number | null;
}

export interface CohortReport {
  zone: string;
  cohorts: Cohort[];
}

export interface SharedNode {
  user_id: UserId;
  name: string;
  streams: number;
}

export interface SharedVia {
  kind: 'network' | 'device';
  value: string;
}

export interface SharedLink {
  a: UserId;
  b: UserId;
  via: SharedVia[];
}

export interface SharedNetworkGraph {
  nodes: SharedNode[];
  links: SharedLink[];
}

export interface SearchHit {
  kind: 'title' | 'user' | 'device';
  field: string;
  value: string;
  key: string;
  score: number;
  streams: number;
}

// ---- spatial -------------------------------------------------------------------------

export interface LocationStats {
  latitude: number;
  longitude: number;
  city: string | null;
  region: string | null;
  country_code: string | null;
  country_name: string | null;
  plays: number;
  users: number;
  watch_time_s: number;
  first_seen: Time | null;
  last_seen: Time | null;
  avg_completion: number;
}

export interface Hexagon {
  cell: string;
  resolution: number;
  latitude: number;
  longitude: number;
  plays: number;
  users: number;
  avg_completion: number;
  watch_minutes: number;
}

export interface ArcEnd {
  latitude: number;
  longitude: number;
  city: string | null;
  country_code: string | null;
}

export interface Arc {
  from: ArcEnd;
  to: ArcEnd;
  distance_km: number;
  plays: number;
  users: number;
}

export interface PointGeometry {
  type: 'Point';
  coordinates: [number, number];
}

export interface Feature<P> {
  type: 'Feature';
  geometry: PointGeometry;
  properties: P;
}

export interface FeatureCollection<P> {
  type: 'FeatureCollection';
  features: Feature<P>[];
}

/** Properties of `/spatial/plays.geojson` features. */
export interface PlayProperties {
  event_id: string;
  started_at: Time;
  user_id: UserId;
  user: string;
  title: string;
  city: string | null;
  country_code: string | null;
  platform: string | null;
}

// ---- detection ---------------------------------------------------------------------

export type Severity = 'info' | 'warning' | 'critical';

export interface AlertRecord {
  alert_id: string;
  rule: string;
  severity: Severity;
  user_id: UserId;
  username: string | null;
  server_id: string | null;
  event_ids: string[];
  session_keys: string[];
  evidence: unknown;
  message: string;
  occurred_at: Time;
  created_at: Time;
  acknowledged_by: string | null;
  acknowledged_at: Time | null;
}

export interface AlertPage {
  items: AlertRecord[];
  next?: string | null;
  next_cursor?: string | null;
}

export type TrustReason =
  | 'finding'
  | 'recovery'
  | 'manual_adjust'
  | 'reset'
  | 'exempt'
  | 'unexempt';

export interface TrustScore {
  user_id: UserId;
  score: number;
  restricted: boolean;
  exempt: boolean;
  last_finding_at: Time | null;
  updated_at: Time;
}

export interface TrustChange {
  user_id: UserId;
  at: Time;
  delta: number;
  score_after: number;
  restricted: boolean;
  exempt: boolean;
  reason: TrustReason;
  alert_id: string | null;
  actor: string | null;
  note: string | null;
}

export interface LedgerEntry {
  entry_id: number;
  change: TrustChange;
}

/** A user's score (none: the starting score) and its ledger, newest first. */
export interface UserTrust {
  score: TrustScore | null;
  ledger: LedgerEntry[];
}

/** A rule's settings: whatever JSON the server keeps for it (edited generically). */
export type RuleSettings = Record<string, unknown>;

// ---- admin ---------------------------------------------------------------------------

export interface BackupTable {
  name: string;
  rows: number;
  fingerprint: string;
}

export interface BackupInfo {
  name: string;
  path?: string;
  manifest: {
    format: number;
    created_at: Time;
    schema_version: number;
    engine_version: string;
    tables: BackupTable[];
    files: { path: string; bytes: number }[];
  };
}

/** Import progress (`import_progress` messages and `GET /import/status`). */
export interface ImportProgress {
  source?: string;
  read?: number;
  total?: number | null;
  state?: string;
  running?: boolean;
  error?: string | null;
}

/** A media server as `/servers` lists it (the store's `ServerRecord`). */
export interface ServerInfo {
  server_id: string;
  platform: string;
  name: string | null;
  url: string | null;
  version: string | null;
  location: GeoPoint | null;
  first_seen_at: Time | null;
  last_seen_at: Time | null;
}

/** A supervised task in `GET /health/ready` (`tasks`, keyed `source:<name>` for media servers). */
export interface TaskHealth {
  running: boolean;
  healthy: boolean;
  recent_failures: number;
  last_error: string | null;
  last_failure_at: Time | null;
  restarts: number;
}

/** `source_status` messages. */
export interface SourceStatus {
  server: string;
  connected: boolean;
  websocket?: boolean;
  error?: string;
  retry_in_s?: number;
}

/** The hub's envelope. */
export interface HubMessage {
  type: string;
  data: unknown;
}
