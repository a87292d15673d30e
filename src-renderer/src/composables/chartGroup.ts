// The charts of one view share an x-axis choice and a hover line: the view provides a group, each
// LineChart inside it reads the x position the pointer is over (in data units) and draws a line there.
import { inject, provide, ref, type InjectionKey, type Ref } from 'vue';
import type { XAxis } from '@shared/ui/xAxis';

export interface ChartGroup {
  /** The x value under the pointer in any chart of the group, or null. */
  hoverX: Ref<number | null>;
  axis: Ref<XAxis>;
}

const KEY: InjectionKey<ChartGroup> = Symbol('chart-group');

export function provideChartGroup(axis: XAxis = 'iteration'): ChartGroup {
  const group: ChartGroup = { hoverX: ref(null), axis: ref(axis) };
  provide(KEY, group);
  return group;
}

/** The view's group, or a private one for a chart outside any group. */
export function useChartGroup(): ChartGroup {
  return inject(KEY, () => ({ hoverX: ref(null), axis: ref<XAxis>('iteration') }), true);
}
