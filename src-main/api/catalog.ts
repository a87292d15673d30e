// The catalogue of runs: presets, listing, one run, and what a user edits about a run (name,
// tags, notes, archived or not).

import { PRESETS, presetConfig } from '../../src-shared/config';
import type { Methods, WorkbenchContext } from './context';

export function catalogMethods(ctx: WorkbenchContext): Methods<'listPresets' | 'presetConfig' | 'listRuns' | 'getRun' | 'renameRun' | 'setTags' | 'setNotes' | 'setArchived'> {
  const { store, hub } = ctx;
  const changed = (id: number) => hub.emit('runChanged', { runId: id, change: 'updated' });
  return {
    listPresets: () => PRESETS,
    presetConfig: ({ id }) => presetConfig(id),

    listRuns: (f) => {
      const page = store.listRuns({
        ...(f.status ? { status: f.status } : {}),
        ...(f.tag !== undefined ? { tag: f.tag } : {}),
        ...(f.text !== undefined ? { text: f.text } : {}),
        archived: f.archived,
        sort: f.sort === 'createdAt' ? 'created' : f.sort,
        order: f.order,
        offset: f.offset,
        limit: f.limit,
      });
      return { rows: page.runs.map(ctx.row), total: page.total };
    },

    getRun: ({ id }) => ctx.row(store.getRun(id)),

    renameRun: ({ id, name }) => {
      const r = store.renameRun(id, name);
      changed(id);
      return ctx.row(r);
    },
    setTags: ({ id, tags }) => {
      const r = store.setRunTags(id, tags);
      changed(id);
      return ctx.row(r);
    },
    setNotes: ({ id, notes }) => {
      const r = store.setRunNotes(id, notes);
      changed(id);
      return ctx.row(r);
    },
    setArchived: ({ id, archived }) => {
      const r = store.setRunArchived(id, archived);
      changed(id);
      return ctx.row(r);
    },
  };
}
