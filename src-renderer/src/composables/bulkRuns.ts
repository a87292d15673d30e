// Actions on the selected runs, one API call per run (the API has no bulk methods): add a tag,
// archive or bring back, delete. Runs on other pages are fetched for their tags; a run that refuses (a running run cannot
// be deleted) is reported by name and the others still go through.
import { ref } from 'vue';
import { checkTags } from '@shared/limits';
import { api } from '../api';
import { messageOf } from './async';
import { useRunsStore } from '../stores/runs';
import { useAnnouncer } from '../stores/announcer';

export function useBulkRuns() {
  const store = useRunsStore();
  const announcer = useAnnouncer();
  const busy = ref(false);
  const problems = ref<string[]>([]);

  async function each(what: string, fn: (id: number) => Promise<unknown>): Promise<number> {
    busy.value = true;
    problems.value = [];
    let done = 0;
    for (const id of [...store.selected]) {
      try {
        await fn(id);
        done++;
      } catch (e) {
        problems.value.push(`${what} run #${id}: ${messageOf(e)}`);
      }
    }
    busy.value = false;
    void store.fetch({ quiet: true });
    return done;
  }

  async function addTag(tag: string): Promise<void> {
    const t = tag.trim();
    if (!t) return;
    const n = await each('Tagging', async (id) => {
      const run = store.rows.find((r) => r.id === id) ?? (await api.getRun({ id }));
      if (run.tags.includes(t)) return;
      // the limits the API applies, checked first so the message is the same for every run
      const tags = checkTags([...run.tags, t]);
      if (!tags.ok) throw new Error(tags.message);
      await api.setTags({ id, tags: tags.value });
    });
    announcer.announce(`Tagged ${n} run${n === 1 ? '' : 's'} “${t}”.`);
  }

  /** Archives (or brings back) the selected runs; archived ones leave the table unless its filter shows them. */
  async function archiveAll(archived: boolean): Promise<void> {
    const n = await each(archived ? 'Archiving' : 'Unarchiving', async (id) => {
      await api.setArchived({ id, archived });
      if (archived && store.query.archived === 'exclude') store.selected = store.selected.filter((x) => x !== id);
    });
    announcer.announce(archived ? `Archived ${n} run${n === 1 ? '' : 's'}: the Archived filter shows them.` : `${n} run${n === 1 ? '' : 's'} back from the archive.`);
  }

  async function removeAll(): Promise<void> {
    const n = await each('Deleting', async (id) => {
      await api.deleteRun({ id });
      store.selected = store.selected.filter((x) => x !== id);
    });
    announcer.announce(`Deleted ${n} run${n === 1 ? '' : 's'}.`);
  }

  return { busy, problems, addTag, archiveAll, removeAll };
}
