// Schema 2: evaluations of checkpoints (accuracy, loss, confusion matrix) and every image's
// prediction; runs get test_accuracy (the latest test evaluation's accuracy) for sorting.
import type { Migration } from '../migrate';

export const migration002: Migration = {
  version: 2,
  name: 'evaluations',
  up(db) {
    db.exec(`
      -- nan_mask bit 1: loss is NaN. confusion: 100 little-endian Int32, [true * 10 + predicted].
      CREATE TABLE evaluations (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        checkpoint_id  INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
        split          TEXT NOT NULL CHECK (split IN ('train','validation','test')),
        count          INTEGER NOT NULL CHECK (count >= 1),
        accuracy       REAL NOT NULL CHECK (accuracy BETWEEN 0 AND 1),
        loss           REAL,
        nan_mask       INTEGER NOT NULL DEFAULT 0 CHECK (nan_mask IN (0, 1)),
        confusion      BLOB NOT NULL CHECK (length(confusion) = 400),
        created_at     INTEGER NOT NULL,
        CHECK ((loss IS NULL) = (nan_mask = 1))
      ) STRICT;
      CREATE INDEX evaluations_by_run ON evaluations(run_id, split);
      CREATE INDEX evaluations_by_checkpoint ON evaluations(checkpoint_id);

      -- confidence = probabilities[predicted]; NULL only when that probability is NaN (the
      -- probabilities BLOB, 10 little-endian Float32, keeps the exact bits).
      CREATE TABLE predictions (
        evaluation_id  INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
        image_index    INTEGER NOT NULL CHECK (image_index >= 0),
        label          INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
        predicted      INTEGER NOT NULL CHECK (predicted BETWEEN 0 AND 9),
        confidence     REAL,
        probabilities  BLOB NOT NULL CHECK (length(probabilities) = 40),
        PRIMARY KEY (evaluation_id, image_index)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX predictions_by_class ON predictions(evaluation_id, label, predicted, confidence);
      CREATE INDEX predictions_by_confidence ON predictions(evaluation_id, confidence);

      ALTER TABLE runs ADD COLUMN test_accuracy REAL;
      CREATE INDEX runs_test_acc ON runs(test_accuracy);
    `);
  },
};
