// Analytics · Quality: how streams are delivered — direct play, copy or transcode (overall,
// per platform, over time), source → delivered resolution, codecs, containers, HDR,
// audio channels, subtitles, LAN/WAN, secure and relayed connections, bandwidth.

import { get } from '../../api/client';
import type { QualityReport, QualityTrendPoint, ShareOf } from '../../api/types';
import { table, type CardSpec } from '../../charts/cards';
import { bars, pie, timeLines } from '../../charts/options';
import { h } from '../../dom';
import { label, n, pct } from '../../format';
import { palette } from '../../theme';

// One request serves every card of the report; cards ask in parallel, so they share it.
let pending: { key: string; at: number; p: Promise<QualityReport> } | null = null;

function report(_signal: AbortSignal): Promise<QualityReport> {
  const key = location.search;
  if (pending && pending.key === key && Date.now() - pending.at < 2000) return pending.p;
  const p = get<QualityReport>('/analytics/quality', { filter: true });
  pending = { key, at: Date.now(), p };
  return p;
}

function shareCard(id: string, title: string, pick: (r: QualityReport) => ShareOf[]): CardSpec {
  return {
    id,
    title,
    load: async (signal) => {
      const rows = pick(await report(signal));
      if (rows.length === 0) return null;
      return pie(rows.map((s) => ({ name: label(s.key), value: s.streams })));
    },
  };
}

/** The cards. */
export function cards(): CardSpec[] {
  return [
    {
      id: 'decisions',
      title: 'Transcode decisions',
      load: async (signal) => {
        const r = await report(signal);
        if (r.streams === 0) return null;
        return {
          chart: pie(r.decisions.map((s) => ({ name: label(s.key), value: s.streams }))),
          below: h('p', { class: 'muted' }, `${n(r.streams)} streams · hardware transcoding ${pct(r.hardware_transcode_share)} of transcodes · ${n(r.downgrades)} resolution downgrades`),
        };
      },
    },
    {
      id: 'by-platform',
      title: 'Decisions by platform',
      load: async (signal) => {
        const rows = (await report(signal)).by_platform.slice(0, 12);
        if (rows.length === 0) return null;
        return bars(
          rows.map((r) => r.platform),
          [
            { name: 'Direct play', data: rows.map((r) => r.direct_play), stack: 'd' },
            { name: 'Copy', data: rows.map((r) => r.copy), stack: 'd' },
            { name: 'Transcode', data: rows.map((r) => r.transcode), stack: 'd' },
          ],
          true,
        );
      },
    },
    {
      id: 'quality-trend',
      title: 'Decisions over time',
      wide: true,
      load: async (signal) => {
        const pts = await get<QualityTrendPoint[]>('/analytics/quality/trend', { filter: true, signal });
        if (pts.length === 0) return null;
        return timeLines([
          { name: 'Direct play', data: pts.map((p) => [p.start, p.direct_play]), stack: 'q', area: true },
          { name: 'Copy', data: pts.map((p) => [p.start, p.copy]), stack: 'q', area: true },
          { name: 'Transcode', data: pts.map((p) => [p.start, p.transcode]), stack: 'q', area: true },
        ]);
      },
    },
    {
      id: 'resolutions',
      title: 'Source → delivered resolution',
      wide: true,
      load: async (signal) => {
        const rows = (await report(signal)).resolution_changes.filter((r) => r.streams > 0);
        if (rows.length === 0) return null;
        // Source and delivered names are kept apart so "1080 → 1080" is not a cycle.
        const nodes = new Set<string>();
        for (const r of rows) {
          nodes.add(`source ${r.from}`);
          nodes.add(`delivered ${r.to}`);
        }
        const p = palette();
        return {
          chart: {
            tooltip: { trigger: 'item' },
            series: [
              {
                type: 'sankey',
                left: 8,
                right: 120,
                data: [...nodes].map((name) => ({ name })),
                links: rows.map((r) => ({
                  source: `source ${r.from}`,
                  target: `delivered ${r.to}`,
                  value: r.streams,
                  lineStyle: { color: r.downgrade ? p.accent2 : p.accent, opacity: 0.45 },
                })),
                label: { color: p.text },
              },
            ],
          },
          below: table(
            ['Source', 'Delivered', 'Streams', 'Downgrade'],
            rows.map((r) => [r.from, r.to, n(r.streams), r.downgrade ? 'yes' : '']),
            [2],
          ),
        };
      },
    },
    shareCard('video-codecs', 'Video codecs', (r) => r.video_codecs),
    shareCard('audio-codecs', 'Audio codecs', (r) => r.audio_codecs),
    shareCard('containers', 'Containers', (r) => r.containers),
    shareCard('dynamic-range', 'Dynamic range', (r) => r.dynamic_ranges),
    shareCard('audio-channels', 'Audio channels', (r) => r.audio_channels),
    shareCard('subtitles', 'Subtitles', (r) => r.subtitles),
    shareCard('network', 'LAN / WAN', (r) => r.network_locations),
    {
      id: 'connections',
      title: 'Connections and bandwidth',
      load: async (signal) => {
        const r = await report(signal);
        if (r.streams === 0) return null;
        const kbps = (v: number | null): string => (v === null ? '–' : `${n(Math.round(v))} kbps`);
        const share = (rows: ShareOf[], key: string): string => pct(rows.find((x) => x.key === key)?.share ?? 0);
        return table(
          ['Measure', 'Median', '95th percentile', 'Mean'],
          [
            ['Bandwidth', kbps(r.bandwidth_kbps.p50), kbps(r.bandwidth_kbps.p95), kbps(r.bandwidth_kbps.mean)],
            ['Bitrate', kbps(r.bitrate_kbps.p50), kbps(r.bitrate_kbps.p95), kbps(r.bitrate_kbps.mean)],
            ['Secure connections', share(r.secure, 'true'), '', ''],
            ['Relayed connections', share(r.relayed, 'true'), '', ''],
          ],
          [1, 2, 3],
        );
      },
    },
  ];
}
