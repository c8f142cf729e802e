// The shared filter: every dimension the API's filter parameters take, kept in the URL's
// query string (so a view can be bookmarked and shared) and published to the pages.
// Edits are debounced (300 ms) before they reach the URL and the pages.

/** The list dimensions, in the order the panel shows them (URL parameter = API parameter). */
export const LIST_DIMENSIONS = [
  { param: 'users', key: 'users', label: 'Users' },
  { param: 'media_types', key: 'media_types', label: 'Media types' },
  { param: 'libraries', key: 'libraries', label: 'Libraries' },
  { param: 'platforms', key: 'platforms', label: 'Platforms' },
  { param: 'players', key: 'players', label: 'Players' },
  { param: 'transcode_decisions', key: 'transcode_decisions', label: 'Transcode decision' },
  { param: 'video_resolutions', key: 'video_resolutions', label: 'Video resolution' },
  { param: 'video_codecs', key: 'video_codecs', label: 'Video codec' },
  { param: 'audio_codecs', key: 'audio_codecs', label: 'Audio codec' },
  { param: 'content_ratings', key: 'content_ratings', label: 'Content rating' },
  { param: 'years', key: 'years', label: 'Release year' },
  { param: 'servers', key: 'servers', label: 'Servers' },
  { param: 'countries', key: 'countries', label: 'Countries' },
  { param: 'sources', key: 'sources', label: 'Sources' },
] as const;

/** A list dimension's URL/API parameter. */
export type ListParam = (typeof LIST_DIMENSIONS)[number]['param'];

/** Date range presets: `days=N`. */
export const RANGE_PRESETS: readonly { days: number; label: string }[] = [
  { days: 1, label: '24 h' },
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
];

/** The whole filter. Empty lists and `null`s do not restrict. */
export interface Filter {
  days: number | null;
  start: string | null;
  end: string | null;
  location: 'lan' | 'wan' | null;
  lists: Record<ListParam, string[]>;
}

/** Every parameter a filter may put in a URL. */
export const FILTER_PARAMS: readonly string[] = [
  'days',
  'start',
  'end',
  'location',
  ...LIST_DIMENSIONS.map((d) => d.param),
];

function emptyLists(): Record<ListParam, string[]> {
  const lists = {} as Record<ListParam, string[]>;
  for (const d of LIST_DIMENSIONS) lists[d.param] = [];
  return lists;
}

/** A filter that restricts nothing. */
export function emptyFilter(): Filter {
  return { days: null, start: null, end: null, location: null, lists: emptyLists() };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Reads a filter from a query string; invalid values are dropped. */
export function parseFilter(search: string): Filter {
  const q = new URLSearchParams(search);
  const f = emptyFilter();
  const days = Number(q.get('days'));
  if (Number.isInteger(days) && days >= 1 && days <= 36500) f.days = days;
  const start = q.get('start');
  const end = q.get('end');
  if (start && (DATE.test(start) || !Number.isNaN(Date.parse(start)))) f.start = start;
  if (end && (DATE.test(end) || !Number.isNaN(Date.parse(end)))) f.end = end;
  const loc = q.get('location');
  if (loc === 'lan' || loc === 'wan') f.location = loc;
  for (const d of LIST_DIMENSIONS) {
    const v = q.get(d.param);
    if (v) f.lists[d.param] = [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))];
  }
  return f;
}

/** The filter's parameters, in a stable order (empty ones left out). */
export function filterParams(f: Filter): [string, string][] {
  const out: [string, string][] = [];
  if (f.days !== null) out.push(['days', String(f.days)]);
  if (f.start) out.push(['start', f.start]);
  if (f.end) out.push(['end', f.end]);
  if (f.location) out.push(['location', f.location]);
  for (const d of LIST_DIMENSIONS) {
    const v = f.lists[d.param];
    if (v.length > 0) out.push([d.param, v.join(',')]);
  }
  return out;
}

/** How many dimensions restrict the filter. */
export function activeCount(f: Filter): number {
  let n = f.days !== null || f.start || f.end ? 1 : 0;
  if (f.location) n++;
  for (const d of LIST_DIMENSIONS) if (f.lists[d.param].length > 0) n++;
  return n;
}

type Listener = (f: Filter) => void;

/** The debounce of filter edits, in milliseconds. */
export const DEBOUNCE_MS = 300;

/**
 * The filter store: the committed filter (what the URL says and the pages show) and a
 * draft being edited; `edit` commits after {@link DEBOUNCE_MS} of quiet.
 */
class FilterStore {
  private committed: Filter = parseFilter(location.search);
  private draft: Filter = structuredClone(this.committed);
  private timer: number | undefined;
  private readonly listeners = new Set<Listener>();

  /** The committed filter. */
  get current(): Filter {
    return this.committed;
  }

  /** The filter being edited (what the panel shows). */
  get editing(): Filter {
    return this.draft;
  }

  /** Changes the draft with `change` and commits it after the debounce. */
  edit(change: (f: Filter) => void): void {
    change(this.draft);
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.commit(), DEBOUNCE_MS);
  }

  /** Commits the draft now. */
  commit(): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    this.committed = structuredClone(this.draft);
    writeUrl(this.committed);
    for (const l of this.listeners) l(this.committed);
  }

  /** Re-reads the URL (after back/forward navigation). */
  syncFromUrl(): void {
    const f = parseFilter(location.search);
    if (JSON.stringify(f) === JSON.stringify(this.committed)) return;
    this.committed = f;
    this.draft = structuredClone(f);
    for (const l of this.listeners) l(this.committed);
  }

  /** Calls `l` on every commit; returns the unsubscribe function. */
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

/** Puts the filter into the URL, keeping other (page) parameters. */
function writeUrl(f: Filter): void {
  const q = new URLSearchParams(location.search);
  for (const p of FILTER_PARAMS) q.delete(p);
  const rest = [...q.entries()];
  const next = new URLSearchParams([...filterParams(f), ...rest]);
  const search = next.toString();
  const url = location.pathname + (search ? `?${search}` : '') + location.hash;
  history.replaceState(history.state, '', url);
}

/** The query string that carries only the filter (for links between pages). */
export function filterQuery(f: Filter = filters.current): string {
  const s = new URLSearchParams(filterParams(f)).toString();
  return s ? `?${s}` : '';
}

/** The application's one filter store. */
export const filters = new FilterStore();
