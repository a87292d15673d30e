// Schema 4: what a run records about itself at each epoch's end besides its metrics (issue 11):
// the training-health record (JSON: engine/inspect's EpochHealth, with what computing the record
// cost) and each evaluated image's predicted class with the confusion matrix (validation images,
// and the test set when the run records it). Both rows hang off their epoch's metrics row, so a
// resume that rewinds the metrics, or deleting the run, takes them along (ON DELETE CASCADE).
// Runs recorded before this schema simply have no rows: their views say "not recorded".
import type { Migration } from '../migrate';

export const migration004: Migration = {
  version: 4,
  name: 'insight',
  up(db) {
    db.exec(`
      CREATE TABLE epoch_health (
        run_id     INTEGER NOT NULL,
        epoch      INTEGER NOT NULL CHECK (epoch >= 1),
        health     TEXT NOT NULL CHECK (json_valid(health)),
        cost       TEXT NOT NULL CHECK (json_valid(cost)),
        test_note  TEXT,                   -- why the epoch has no test timeline (NULL: it has one)
        PRIMARY KEY (run_id, epoch),
        FOREIGN KEY (run_id, epoch) REFERENCES epoch_metrics(run_id, epoch) ON DELETE CASCADE
      ) STRICT;

      -- confusion: 100 little-endian Int32, [true * 10 + predicted]. predicted: one byte per image,
      -- the split's image order (validation: the run's last validationSize training images).
      CREATE TABLE epoch_timeline (
        run_id     INTEGER NOT NULL,
        epoch      INTEGER NOT NULL CHECK (epoch >= 1),
        split      TEXT NOT NULL CHECK (split IN ('validation', 'test')),
        count      INTEGER NOT NULL CHECK (count >= 1),
        confusion  BLOB NOT NULL CHECK (length(confusion) = 400),
        predicted  BLOB NOT NULL CHECK (length(predicted) = count),
        PRIMARY KEY (run_id, split, epoch),
        FOREIGN KEY (run_id, epoch) REFERENCES epoch_metrics(run_id, epoch) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX epoch_timeline_by_epoch ON epoch_timeline(run_id, epoch);
    `);
  },
};
