// Keyboard shortcuts: one global listener; views register their own keys while mounted. Keys are
// ignored while typing in a field (except Escape and those marked inInputs). Every shortcut is
// described once in SHORTCUTS, so the '?' help lists them all, grouped by where they work, the
// current view's first (Ctrl+Enter used to be missing from the help anywhere but New run).
import { onBeforeUnmount, onMounted, reactive } from 'vue';

export interface Shortcut {
  key: string; // e.g. 'n', '?', 'Escape', 'mod+Enter'
  description: string;
  run: () => void;
  /** Also fire while focus is in an input. */
  inInputs?: boolean;
}

export interface ShortcutDoc {
  key: string;
  description: string;
  where: 'Everywhere' | 'Runs' | 'New run' | 'Run';
  inInputs?: boolean;
}

export const SHORTCUTS = {
  help: { key: '?', description: 'Show this help', where: 'Everywhere' },
  goRuns: { key: 'r', description: 'Go to Runs', where: 'Everywhere' },
  goNew: { key: 'n', description: 'New run', where: 'Everywhere' },
  compare: { key: 'c', description: 'Compare the selected runs', where: 'Everywhere' },
  search: { key: '/', description: 'Search runs', where: 'Runs' },
  nextPage: { key: 'ArrowRight', description: 'Next page', where: 'Runs' },
  prevPage: { key: 'ArrowLeft', description: 'Previous page', where: 'Runs' },
  launch: { key: 'mod+Enter', description: 'Launch the run (also while typing in a field)', where: 'New run', inInputs: true },
  tabTraining: { key: '1', description: 'Training tab', where: 'Run' },
  tabTest: { key: '2', description: 'Test results tab', where: 'Run' },
  tabConfig: { key: '3', description: 'Config & checkpoints tab', where: 'Run' },
  stop: { key: 's', description: 'Stop the run', where: 'Run' },
} as const satisfies Record<string, ShortcutDoc>;

/** A described shortcut with what it does. */
export function shortcut(doc: ShortcutDoc, run: () => void): Shortcut {
  return { key: doc.key, description: doc.description, run, ...(doc.inInputs ? { inInputs: true } : {}) };
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
