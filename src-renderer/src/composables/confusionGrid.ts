// The confusion matrix as a keyboard-operable grid: one tab stop (roving tabindex), arrow keys,
// Home/End (Ctrl for the corners) move between cells, Enter or Space opens the cell's digits.
// Cell colours are opaque and their text picks the most readable colour (src-shared/ui/confusion).
import { computed, nextTick, ref, type Ref } from 'vue';
import { heatCellColors, heatIntensities, parseRgb } from '@shared/ui/confusion';
import { nextInGrid } from '@shared/ui/keyboard';
import { cssVar, useTheme } from './theme';

export function useConfusionGrid(shown: Ref<ArrayLike<number>>, n: Ref<number>, signed: () => boolean, onPick: (t: number, p: number) => void) {
  const active = ref({ row: 0, col: 0 });
  const table = ref<HTMLTableElement | null>(null);
  const { dark } = useTheme();
  const inten = computed(() => heatIntensities(shown.value));

  const palette = computed(() => {
    void dark.value; // re-read the variables when the theme changes
    const rgb = (name: string, fallback: string) => parseRgb(cssVar(name) || fallback) ?? [0, 0, 0];
    return {
      heat: rgb('--heat', '37, 99, 201'),
      neg: rgb('--heat-neg', '199, 49, 43'),
      panel: rgb('--panel', '#ffffff'),
      texts: [rgb('--text', '#1c1d21'), [0, 0, 0], [255, 255, 255]],
    };
  });

  function cellStyle(t: number, p: number): { background: string; color: string } {
    const i = t * n.value + p;
    const v = shown.value[i];
    const pal = palette.value;
    const alpha = v === 0 ? 0.03 : 0.06 + 0.85 * inten.value[i];
    return heatCellColors(signed() && v < 0 ? pal.neg : pal.heat, alpha, pal.panel, pal.texts);
  }

  function focusActive(): void {
    void nextTick(() => table.value?.querySelector<HTMLElement>(`[data-cell="${active.value.row}-${active.value.col}"]`)?.focus());
  }

  function keydown(e: KeyboardEvent, t: number, p: number): void {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onPick(t, p);
      return;
    }
    const next = nextInGrid(e.key, t, p, n.value, n.value, e.ctrlKey || e.metaKey);
    if (!next) return;
    e.preventDefault();
    e.stopPropagation();
    active.value = next;
    focusActive();
  }

  const tabindex = (t: number, p: number) => (active.value.row === t && active.value.col === p ? 0 : -1);
  const focusCell = (t: number, p: number) => (active.value = { row: t, col: p });

  return { table, cellStyle, keydown, tabindex, focusCell };
}
