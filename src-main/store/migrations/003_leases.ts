// Schema 3: one owner per run. A running run records which process trains it (owner_id) and
// until when its lease holds (lease_expires_at, renewed with the heartbeat); every write of the
// run's data checks them. trained_on says where it trained (this machine and its threads, or an
// agent), for the run's record.
import type { Migration } from '../migrate';

export const migration003: Migration = {
  version: 3,
  name: 'leases',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN owner_id TEXT;
      ALTER TABLE runs ADD COLUMN lease_expires_at INTEGER;
      ALTER TABLE runs ADD COLUMN trained_on TEXT;
    `);
  },
};
