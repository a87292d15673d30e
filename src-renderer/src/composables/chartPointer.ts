// Pointer interactions of a chart.js line chart: drag across the plot to zoom into that x range,
// double-click to reset (the "Reset zoom" button does the same from the keyboard), and report the
// x under the pointer to the chart group so every chart of the view draws the same hover line.
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import type { Chart, Plugin } from 'chart.js';
import { dragToRange } from '@shared/ui/chartOptions';
import type { ChartGroup } from './chartGroup';
import { cssVar } from './theme';

type AnyChart = Chart<'line', { x: number; y: number }[]>;

export function useChartPointer(canvas: Ref<HTMLCanvasElement | null>, chart: () => AnyChart | null, group: ChartGroup, onZoom: () => void) {
  const zoom = ref<{ min: number; max: number } | null>(null);
  /** The dragged band in CSS pixels relative to the canvas, while dragging. */
  const band = ref<{ left: number; width: number; top: number; height: number } | null>(null);
  let start: number | null = null;

  const inPlot = (x: number, y: number) => {
    const a = chart()?.chartArea;
    return !!a && x >= a.left && x <= a.right && y >= a.top && y <= a.bottom;
  };

  function down(e: MouseEvent): void {
    if (e.button !== 0 || !inPlot(e.offsetX, e.offsetY)) return;
    start = e.offsetX;
    e.preventDefault();
  }
  function move(e: MouseEvent): void {
    const c = chart();
    if (!c) return;
    group.hoverX.value = inPlot(e.offsetX, e.offsetY) ? c.scales.x.getValueForPixel(e.offsetX) ?? null : null;
    if (start === null) return;
    const a = c.chartArea;
    const lo = Math.max(a.left, Math.min(start, e.offsetX));
    const hi = Math.min(a.right, Math.max(start, e.offsetX));
    band.value = { left: lo, width: hi - lo, top: a.top, height: a.bottom - a.top };
  }
  function up(e: MouseEvent): void {
    const c = chart();
    if (start === null || !c) return;
    const s = c.scales.x;
    const r = dragToRange(start, e.offsetX, { left: s.left, right: s.right, min: s.min, max: s.max });
    start = null;
    band.value = null;
    if (r) {
      zoom.value = r;
      group.hoverX.value = null; // the scale changed under the pointer: the next move sets it again
      onZoom();
    }
  }
  function leave(): void {
    group.hoverX.value = null;
    start = null;
    band.value = null;
  }
  function reset(): void {
    if (!zoom.value) return;
    zoom.value = null;
    group.hoverX.value = null;
    onZoom();
  }

  const events: [string, (e: MouseEvent) => void][] = [['mousedown', down], ['mousemove', move], ['mouseup', up], ['mouseleave', leave], ['dblclick', reset]];
  watch(canvas, (el, old) => {
    for (const [n, f] of events) old?.removeEventListener(n, f as EventListener);
    for (const [n, f] of events) el?.addEventListener(n, f as EventListener);
  }, { immediate: true });
  onBeforeUnmount(() => {
    for (const [n, f] of events) canvas.value?.removeEventListener(n, f as EventListener);
  });

  // Another chart's hover moves this chart's line: a redraw, not an update.
  watch(group.hoverX, () => chart()?.draw());

  const hoverLine: Plugin<'line'> = {
    id: 'workbenchHoverLine',
    afterDatasetsDraw(c) {
      const x = group.hoverX.value;
      const s = c.scales.x;
      if (x === null || !s || x < s.min || x > s.max) return;
      const px = s.getPixelForValue(x);
      const ctx = c.ctx;
      ctx.save();
      ctx.strokeStyle = cssVar('--muted') || '#666';
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(px, c.chartArea.top);
      ctx.lineTo(px, c.chartArea.bottom);
      ctx.stroke();
      ctx.restore();
    },
  };

  return { zoom, band, reset, hoverLine };
}
