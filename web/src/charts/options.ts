// Chart option builders shared by the analytics pages: bars, pies, time lines and the
// day × hour heatmap.

import { weekday } from '../format';
import { palette } from '../theme';
import type { ChartOption } from './echarts';

/** A bar chart; horizontal bars read better for long labels (top lists). */
export function bars(categories: string[], series: { name: string; data: number[]; stack?: string }[], horizontal = false): ChartOption {
  const cat = { type: 'category', data: categories, axisLabel: { width: 160, overflow: 'truncate' }, inverse: horizontal };
  const val = { type: 'value' };
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: series.length > 1 ? { top: 0 } : undefined,
    xAxis: horizontal ? val : cat,
    yAxis: horizontal ? cat : val,
    series: series.map((s) => ({ type: 'bar', name: s.name, data: s.data, stack: s.stack, barMaxWidth: 28 })),
  };
}

/** A donut of shares. */
export function pie(data: { name: string; value: number }[]): ChartOption {
  return {
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', bottom: 0 },
    series: [
      {
        type: 'pie',
        radius: ['40%', '70%'],
        center: ['50%', '45%'],
        data,
        label: { show: false },
        itemStyle: { borderColor: palette().surface, borderWidth: 2 },
      },
    ],
  };
}

/** Lines over time (`[time, value]` pairs), optionally stacked areas. */
export function timeLines(series: { name: string; data: [string, number][]; stack?: string; area?: boolean; yAxis?: number }[], twoAxes = false): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'time' },
    yAxis: twoAxes ? [{ type: 'value' }, { type: 'value', splitLine: { show: false } }] : { type: 'value' },
    dataZoom: [{ type: 'inside' }],
    series: series.map((s) => ({
      type: 'line',
      name: s.name,
      data: s.data,
      stack: s.stack,
      yAxisIndex: s.yAxis ?? 0,
      showSymbol: false,
      smooth: false,
      areaStyle: s.area ? { opacity: 0.35 } : undefined,
    })),
  };
}

/** The day-of-week × hour heatmap (cells `[hour, weekday-1, plays]`). */
export function weekHourHeatmap(cells: { weekday: number; hour: number; plays: number }[]): ChartOption {
  const p = palette();
  const max = Math.max(1, ...cells.map((c) => c.plays));
  return {
    tooltip: { trigger: 'item', formatter: (x: { value: [number, number, number] }) => `${weekday(x.value[1] + 1)} ${x.value[0]}:00 — ${x.value[2]} plays` },
    grid: { left: 48, right: 16, top: 16, bottom: 64, containLabel: true },
    xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, i) => `${i}`), splitArea: { show: true } },
    yAxis: { type: 'category', data: [1, 2, 3, 4, 5, 6, 7].map(weekday), inverse: true },
    visualMap: { min: 0, max, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: p.heat } },
    series: [{ type: 'heatmap', data: cells.map((c) => [c.hour, c.weekday - 1, c.plays]) }],
  };
}
