// Keyboard shortcuts: one global listener; views register their own keys while mounted. Keys are
// ignored while typing in a field (except Escape). The list feeds the '?' help overlay.
import { onBeforeUnmount, onMounted, reactive } from 'vue';

export interface Shortcut {
  key: string; // e.g. 'n', '?', 'Escape', 'mod+Enter'
  description: string;
  run: () => void;
  /** Also fire while focus is in an input. */
  inInputs?: boolean;
}

const active = reactive<Shortcut[]>([]);

function keyOf(e: KeyboardEvent): string {
  return (e.ctrlKey || e.metaKey ? 'mod+' : '') + e.key;
}

function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
}

if (typeof window !== 'undefined') {
  window.addEventListener('keydown', (e) => {
    if (e.altKey) return;
    const k = keyOf(e);
    // the most recently registered shortcut for a key wins (a dialog over a view)
    for (let i = active.length - 1; i >= 0; i--) {
      const s = active[i];
      if (s.key !== k) continue;
      if (typing(e.target) && !s.inInputs && k !== 'Escape') return;
      e.preventDefault();
      s.run();
      return;
    }
  });
}

export function useShortcuts(list: Shortcut[]): void {
  onMounted(() => active.push(...list));
  onBeforeUnmount(() => {
    for (const s of list) {
      const i = active.indexOf(s);
      if (i >= 0) active.splice(i, 1);
    }
  });
}

export function activeShortcuts(): readonly Shortcut[] {
  return active;
}
