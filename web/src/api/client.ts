// The typed API client: JSON over fetch with the session cookie, the shared filter
// appended where a route takes it, the browser's time zone on analytics routes, and the
// server's error body turned into an ApiError. A 401 sends the app to the login page.

import { filterParams, filters, type Filter } from '../state/filters';
import { parseJson } from './json';
import type { ErrorBody } from './types';

/** The API's base path. */
export const API = '/api/v1';

/** A failed request, with the server's message and the parameter at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly parameter: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let onUnauthorized: (() => void) | null = null;

/** Sets what happens when the server answers 401 (the app goes to the login page). */
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

/** The routes that cut time in a zone and take `tz` (the others refuse unknown parameters). */
const ZONED = new Set([
  '/analytics/trends',
  '/analytics/weekdays',
  '/analytics/hours',
  '/analytics/heatmap',
  '/analytics/calendar',
  '/analytics/quality/trend',
  '/analytics/concurrency',
  '/analytics/cohorts',
]);

/** The browser's IANA time zone (sent as `tz` to the zoned analytics routes). */
export function timeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

type Scalar = string | number | boolean | null | undefined;

/** Options of one request. */
export interface RequestOptions {
  /** Route parameters (`null`/`undefined` left out). */
  params?: Record<string, Scalar>;
  /** Append the shared filter (`true` = the current one). */
  filter?: boolean | Filter;
  /** Abort signal. */
  signal?: AbortSignal;
}

/** The URL of `path` with its parameters, the filter and, on zoned routes, `tz`. */
export function apiUrl(path: string, opts: RequestOptions = {}): string {
  const q = new URLSearchParams();
  if (opts.filter) {
    const f = opts.filter === true ? filters.current : opts.filter;
    for (const [k, v] of filterParams(f)) q.set(k, v);
  }
  for (const [k, v] of Object.entries(opts.params ?? {})) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  if (ZONED.has(path) && !q.has('tz')) q.set('tz', timeZone());
  const s = q.toString();
  return `${API}${path}${s ? `?${s}` : ''}`;
}

async function errorOf(resp: Response): Promise<ApiError> {
  let message = `${resp.status} ${resp.statusText}`;
  let parameter: string | null = null;
  try {
    const body = (await resp.json()) as ErrorBody;
    if (typeof body.error === 'string') {
      message = body.error;
      parameter = body.parameter ?? null;
    } else if (body.error && typeof body.error === 'object') {
      message = body.error.message ?? message;
      parameter = body.error.parameter ?? body.parameter ?? null;
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(resp.status, message, parameter);
}

// The server answers 503 when all its store readers are busy instead of queueing, so
// requests go out at most MAX_IN_FLIGHT at a time (still in parallel) and a 503 is retried
// a few times with backoff.
const MAX_IN_FLIGHT = 4;
const RETRIES = 4;
let inFlight = 0;
const waiting: (() => void)[] = [];

async function slot<T>(f: () => Promise<T>): Promise<T> {
  if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
  inFlight++;
  try {
    return await f();
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = window.setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      window.clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });
}

async function send<T>(method: string, url: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  };
  if (signal) init.signal = signal;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'Content-Type': 'application/json' };
  }
  let resp = await slot(() => fetch(url, init));
  for (let attempt = 1; resp.status === 503 && method === 'GET' && attempt <= RETRIES; attempt++) {
    await sleep(100 * 2 ** attempt + Math.random() * 100, signal);
    resp = await slot(() => fetch(url, init));
  }
  if (resp.status === 401 && !url.startsWith(`${API}/auth/login`)) {
    onUnauthorized?.();
  }
  if (!resp.ok) throw await errorOf(resp);
  if (resp.status === 204) return undefined as T;
  const text = await resp.text();
  return (text ? parseJson(text) : undefined) as T;
}

/** `GET path` as JSON. */
export function get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return send<T>('GET', apiUrl(path, opts), undefined, opts.signal);
}

/** `POST path` with a JSON body. */
export function post<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  return send<T>('POST', apiUrl(path, opts), body ?? {}, opts.signal);
}

/** `PUT path` with a JSON body. */
export function put<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
  return send<T>('PUT', apiUrl(path, opts), body, opts.signal);
}

/** A human sentence for any error. */
export function describe(e: unknown): string {
  if (e instanceof ApiError) {
    return e.parameter ? `${e.message} (parameter ${e.parameter})` : e.message;
  }
  if (e instanceof DOMException && e.name === 'AbortError') return 'cancelled';
  return e instanceof Error ? e.message : String(e);
}

/** Whether `e` is an aborted request (a newer one replaced it). */
export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}
