// ECharts, tree-shaken: only the chart types and components the analytics pages draw,
// the canvas renderer, two themes following the app's palette, and tooltips drawn in the
// canvas (`richText`) because HTML tooltips carry inline styles the CSP forbids.

import { BarChart, GraphChart, HeatmapChart, LineChart, PieChart, SankeyChart } from 'echarts/charts';
import {
  AriaComponent,
  CalendarComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

import { palette, type Theme } from '../theme';

echarts.use([
  BarChart,
  GraphChart,
  HeatmapChart,
  LineChart,
  PieChart,
  SankeyChart,
  AriaComponent,
  CalendarComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

/** An ECharts option object. */
export type ChartOption = echarts.EChartsCoreOption;

function register(t: Theme): void {
  const p = palette(t);
  const axis = {
    axisLine: { lineStyle: { color: p.grid } },
    axisTick: { lineStyle: { color: p.grid } },
    axisLabel: { color: p.muted },
    splitLine: { lineStyle: { color: p.grid } },
    nameTextStyle: { color: p.muted },
  };
  echarts.registerTheme(`cg-${t}`, {
    color: p.series,
    backgroundColor: 'transparent',
    textStyle: { color: p.text },
    legend: { textStyle: { color: p.muted } },
    categoryAxis: axis,
    valueAxis: axis,
    timeAxis: axis,
    tooltip: { backgroundColor: p.surface, borderColor: p.grid, textStyle: { color: p.text } },
    calendar: { itemStyle: { color: p.surface, borderColor: p.grid }, dayLabel: { color: p.muted }, monthLabel: { color: p.muted }, yearLabel: { color: p.muted } },
    visualMap: { textStyle: { color: p.muted } },
  });
}
register('dark');
register('light');

/** Options every chart gets: canvas tooltips, ARIA description, compact grid. */
export function withDefaults(option: ChartOption): ChartOption {
  const tooltip = (option.tooltip ?? { trigger: 'axis' }) as Record<string, unknown>;
  return {
    aria: { enabled: true },
    grid: { left: 48, right: 16, top: 32, bottom: 40, containLabel: true },
    animationDuration: 300,
    ...option,
    tooltip: { confine: true, ...tooltip, renderMode: 'richText' },
  };
}

/** Creates (or re-creates) a chart in `el` with the theme `t`. */
export function draw(el: HTMLElement, option: ChartOption, t: Theme): echarts.ECharts {
  echarts.getInstanceByDom(el)?.dispose();
  const chart = echarts.init(el, `cg-${t}`, { renderer: 'canvas' });
  chart.setOption(withDefaults(option));
  return chart;
}

export { echarts };
