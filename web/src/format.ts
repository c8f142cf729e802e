// Number, duration, time and label formatting for display (in the browser's locale and
// time zone).

const num = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const rel = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** 1234567 → "1,234,567". */
export function n(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : num.format(v);
}

/** 1234567 → "1.2M". */
export function short(v: number): string {
  return compact.format(v);
}

/** 0.4567 → "45.7 %". */
export function pct(share: number | null | undefined, digits = 1): string {
  return share === null || share === undefined || !Number.isFinite(share)
    ? '–'
    : `${(share * 100).toFixed(digits)} %`;
}

/** Seconds → "3 h 12 min" / "12 min" / "45 s"; long spans in days. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${num.format(Math.floor(hours / 24))} d ${hours % 24} h`;
}

/** Bytes → "12.3 MB". */
export function bytes(v: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let x = v;
  let i = 0;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${x.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** RFC 3339 → local date and time. */
export function when(t: string | null | undefined): string {
  if (!t) return '–';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : dateTime.format(d);
}

/** RFC 3339 or YYYY-MM-DD → local date. */
export function day(t: string | null | undefined): string {
  if (!t) return '–';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : dateOnly.format(d);
}

/** RFC 3339 → "5 minutes ago". */
export function ago(t: string | null | undefined, now = Date.now()): string {
  if (!t) return '–';
  const d = new Date(t).getTime();
  if (Number.isNaN(d)) return t;
  const s = (d - now) / 1000;
  const abs = Math.abs(s);
  if (abs < 60) return rel.format(Math.round(s), 'second');
  if (abs < 3600) return rel.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rel.format(Math.round(s / 3600), 'hour');
  return rel.format(Math.round(s / 86400), 'day');
}

/** snake_case → "Snake case". */
export function label(s: string): string {
  const t = s.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** ISO 3166 code → flag emoji + code ("🇬🇧 GB"); unknown → "–". */
export function country(code: string | null | undefined): string {
  if (!code || !/^[A-Za-z]{2}$/.test(code)) return '–';
  const up = code.toUpperCase();
  const flag = String.fromCodePoint(...[...up].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
  return `${flag} ${up}`;
}

/** "City, CC" from optional parts. */
export function place(city: string | null | undefined, cc: string | null | undefined): string {
  const parts = [city, cc].filter((x): x is string => !!x);
  return parts.length > 0 ? parts.join(', ') : 'Unknown place';
}

/** ISO weekday 1–7 → "Mon". */
export function weekday(d: number): string {
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][d - 1] ?? String(d);
}
