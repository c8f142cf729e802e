// The live hub (`/ws`): one WebSocket shared by every page, reconnecting with backoff,
// dispatching `{type, data}` envelopes to subscribers by type.

import type { HubMessage } from './types';

type Handler = (data: unknown) => void;
type StatusHandler = (connected: boolean) => void;

class Hub {
  private socket: WebSocket | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly statusHandlers = new Set<StatusHandler>();
  private retryMs = 1000;
  private retryTimer: number | undefined;
  private wanted = false;
  private connectedFlag = false;

  /** Whether the socket is open. */
  get connected(): boolean {
    return this.connectedFlag;
  }

  /** Opens the socket (idempotent). */
  start(): void {
    this.wanted = true;
    if (this.socket) return;
    this.open();
  }

  /** Closes the socket and stops reconnecting (on logout). */
  stop(): void {
    this.wanted = false;
    window.clearTimeout(this.retryTimer);
    this.socket?.close();
    this.socket = null;
  }

  private open(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    this.socket = ws;
    ws.addEventListener('open', () => {
      this.retryMs = 1000;
      this.setStatus(true);
    });
    ws.addEventListener('message', (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let msg: HubMessage;
      try {
        msg = JSON.parse(ev.data) as HubMessage;
      } catch {
        return;
      }
      if (msg.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong', data: null }));
        return;
      }
      for (const h of this.handlers.get(msg.type) ?? []) {
        try {
          h(msg.data);
        } catch (e) {
          console.error('hub handler failed', e);
        }
      }
    });
    ws.addEventListener('close', () => {
      this.socket = null;
      this.setStatus(false);
      if (!this.wanted) return;
      this.retryTimer = window.setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    });
  }

  private setStatus(c: boolean): void {
    this.connectedFlag = c;
    for (const h of this.statusHandlers) h(c);
  }

  /** Calls `h` with the data of every `type` message; returns the unsubscribe function. */
  on(type: string, h: Handler): () => void {
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    set.add(h);
    return () => set.delete(h);
  }

  /** Calls `h` when the connection opens or closes. */
  onStatus(h: StatusHandler): () => void {
    this.statusHandlers.add(h);
    return () => this.statusHandlers.delete(h);
  }
}

/** The application's hub connection. */
export const hub = new Hub();
