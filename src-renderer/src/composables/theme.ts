// The system's light/dark preference as a reactive flag, and the theme colours charts need
// (chart.js draws on a canvas and cannot read CSS variables itself).
import { ref } from 'vue';

const media = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
const dark = ref(media?.matches ?? false);
media?.addEventListener('change', (e) => {
  dark.value = e.matches;
});

export function useTheme() {
  return { dark };
}

export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
