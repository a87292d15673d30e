// The compare view's hyperparameter table: which settings differ between runs.

import { CONFIG_KEYS, type RunConfig } from '../config';

/** Keys whose values are not all equal across the configs (in schema order). */
export function differingKeys(configs: readonly RunConfig[]): (keyof RunConfig)[] {
  if (configs.length < 2) return [];
  return CONFIG_KEYS.filter((k) => configs.some((c) => !Object.is(c[k], configs[0][k])));
}

export interface ConfigRow {
  key: keyof RunConfig;
  values: (number | string)[];
  differs: boolean;
}

/** One row per setting; with `onlyDifferences` just the rows that differ. */
export function configRows(configs: readonly RunConfig[], onlyDifferences: boolean): ConfigRow[] {
  const diff = new Set(differingKeys(configs));
  return CONFIG_KEYS.filter((k) => !onlyDifferences || diff.has(k)).map((k) => ({ key: k, values: configs.map((c) => c[k]), differs: diff.has(k) }));
}
