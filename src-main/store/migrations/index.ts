// The migration registry, in order. Add a migration: write NNN_name.ts exporting one Migration
// with the next version, append it here, and add its test (migrate to N−1, insert, migrate to
// N, assert) in tests/store/migrations.test.ts. checkRegistry refuses gaps and disorder.
import type { Migration } from '../migrate';
import { migration001 } from './001_init';
import { migration002 } from './002_evaluations';
import { migration003 } from './003_leases';
import { migration004 } from './004_insight';
import { migration005 } from './005_groups_archive_classes';

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005];
