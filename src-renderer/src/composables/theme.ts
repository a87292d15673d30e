// The system's light/dark preference as a reactive flag, and the theme colours charts need
// (chart.js draws on a canvas and cannot read CSS variables itself).
import { computed, ref } from 'vue';
import type { Theme } from '@shared/ui/colors';

const media = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
const dark = ref(media?.matches ?? false);
media?.addEventListener('change', (e) => {
  dark.value = e.matches;
});
const theme = computed<Theme>(() => (dark.value ? 'dark' : 'light'));

export function useTheme() {
  return { dark, theme };
}

export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
