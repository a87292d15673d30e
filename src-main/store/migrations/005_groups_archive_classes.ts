// Schema 5: sweeps as groups, archived runs, training time across stretches, class names.
//
// - sweeps: a sweep is stored once (its name and grid) and every run it queued points at it
//   (runs.sweep_id); deleting a run keeps the sweep, deleting a sweep's last run removes it.
// - runs.archived_at: an archived run is hidden from the runs table by default (deleting is still
//   the way to remove one for good).
// - runs.earlier_ms: the wall time of a run's earlier stretches (before each resume); the current
//   stretch runs from started_at. Runs recorded before this schema get 0 when they were never
//   resumed (exact) and NULL when they were (that time was not recorded: the API then shows the
//   best it knows, the sum of the run's epoch times, and says it is partial).
// - datasets.class_names: a JSON list of the 10 class names in label order (NULL: the classes are
//   numbered 0 to 9, as MNIST's digits).
import type { Migration } from '../migrate';

export const migration005: Migration = {
  version: 5,
  name: 'groups_archive_classes',
  up(db) {
    db.exec(`
      -- grid: [[setting, [values…]], …] in the order given (the runs' combinations follow it).
      CREATE TABLE sweeps (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        grid        TEXT NOT NULL CHECK (json_valid(grid) AND json_type(grid) = 'array'),
        created_at  INTEGER NOT NULL
      ) STRICT;

      ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL;
      CREATE INDEX runs_sweep ON runs(sweep_id) WHERE sweep_id IS NOT NULL;
      ALTER TABLE runs ADD COLUMN archived_at INTEGER;
      ALTER TABLE runs ADD COLUMN earlier_ms INTEGER DEFAULT 0 CHECK (earlier_ms >= 0);
      UPDATE runs SET earlier_ms = NULL WHERE resumed_from_run IS NOT NULL;

      ALTER TABLE datasets ADD COLUMN class_names TEXT
        CHECK (class_names IS NULL OR (json_valid(class_names) AND json_array_length(class_names) = 10));
    `);
  },
};
