// The compare view's hyperparameter table: every setting with one value per run, flagged when the
// runs disagree (the difference itself is ../metrics.ts's configDiff, which the API uses too).

import { CONFIG_KEYS, type RunConfig } from '../config';
import { configDiff } from '../metrics';

export interface ConfigRow {
  key: keyof RunConfig;
  values: (number | string)[];
  differs: boolean;
}

/** One row per setting in schema order; with `onlyDifferences` just the rows that differ. */
export function configRows(configs: readonly RunConfig[], onlyDifferences: boolean): ConfigRow[] {
  const diff = new Set(configDiff(configs as unknown as Record<string, unknown>[]).map((d) => d.key));
  return CONFIG_KEYS.filter((k) => !onlyDifferences || diff.has(k)).map((k) => ({ key: k, values: configs.map((c) => c[k]), differs: diff.has(k) }));
}
