// Dark and light themes: the choice is kept in localStorage, the default follows the
// system. Pages that draw with their own colours (maps, charts, the globe) read the
// palette from here and re-draw on change.

export type Theme = 'dark' | 'light';

const KEY = 'cartographus.theme';
const listeners = new Set<(t: Theme) => void>();

function systemTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

/** The active theme. */
export function theme(): Theme {
  const t = document.documentElement.dataset.theme;
  return t === 'light' || t === 'dark' ? t : systemTheme();
}

/** Applies the saved (or system) theme. Called once at start. */
export function initTheme(): void {
  const saved = localStorage.getItem(KEY);
  document.documentElement.dataset.theme = saved === 'light' || saved === 'dark' ? saved : systemTheme();
}

/** Switches and saves the theme. */
export function setTheme(t: Theme): void {
  document.documentElement.dataset.theme = t;
  localStorage.setItem(KEY, t);
  for (const l of listeners) l(t);
}

/** Calls `l` on every theme change; returns the unsubscribe function. */
export function onTheme(l: (t: Theme) => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Colours for canvas drawing (maps, charts, globe). */
export interface Palette {
  background: string;
  surface: string;
  text: string;
  muted: string;
  grid: string;
  water: string;
  land: string;
  border: string;
  accent: string;
  accent2: string;
  series: string[];
  heat: string[];
}

/** The palette of the active theme. */
export function palette(t: Theme = theme()): Palette {
  const series = ['#4e9af1', '#f5a524', '#17c964', '#f31260', '#9353d3', '#06b7db', '#ff7a45', '#a3a3a3'];
  if (t === 'light') {
    return {
      background: '#f7f8fa',
      surface: '#ffffff',
      text: '#1b1f24',
      muted: '#5b6570',
      grid: '#e3e6ea',
      water: '#dbe7f3',
      land: '#f4f1ea',
      border: '#b9b3a6',
      accent: '#1f6feb',
      accent2: '#d1490f',
      series,
      heat: ['#fff5eb', '#fdd0a2', '#fd8d3c', '#d94801', '#7f2704'],
    };
  }
  return {
    background: '#0f1419',
    surface: '#171d24',
    text: '#e6e9ed',
    muted: '#9aa5b1',
    grid: '#27303a',
    water: '#0b1620',
    land: '#1f2a35',
    border: '#3b4a5a',
    accent: '#58a6ff',
    accent2: '#ff9e4a',
    series,
    heat: ['#1b2a3a', '#26547c', '#ef476f', '#ffd166', '#fff3c4'],
  };
}
