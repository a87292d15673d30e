// The new-run form's text inputs → a RunConfig, with one message per field. Number fields are
// typed as text (so "1e-3" works and a half-typed value is not silently coerced); the messages
// come from the shared validateRunConfig, the same code main runs on every API call.

import { CONFIG_KEYS, FIELDS, PRESETS, presetConfig, validateRunConfig, type RunConfig } from '../config';
import { hasOwn } from '../limits';

export type FormTexts = Record<keyof RunConfig, string>;

export interface FormResult {
  /** The validated config when there are no errors. */
  config: RunConfig | null;
  /** Field → message, only for fields with a problem (plus '' for whole-config problems). */
  errors: Partial<Record<keyof RunConfig | '', string>>;
}

/** The preset whose config the form holds exactly (null when none does, or the form is invalid). */
export function matchingPreset(cfg: RunConfig | null): string | null {
  if (!cfg) return null;
  for (const p of PRESETS) {
    const pc = presetConfig(p.id);
    if (CONFIG_KEYS.every((k) => pc[k] === cfg[k])) return p.id;
  }
  return null;
}

/** The form's texts for a config (numbers written so that they parse back exactly). */
export function textsOf(cfg: RunConfig): FormTexts {
  const out = {} as FormTexts;
  for (const k of CONFIG_KEYS) out[k] = String(cfg[k]);
  return out;
}

/** A number typed by a person: trims, accepts 1e-3, 1_000 and "1,000"-free forms only. */
export function parseNumberText(text: string): number | null {
  const t = text.trim().replace(/_/g, '');
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

export function parseForm(texts: FormTexts): FormResult {
  const errors: FormResult['errors'] = {};
  const raw: Record<string, unknown> = {};
  for (const k of CONFIG_KEYS) {
    const spec = FIELDS[k];
    const text = texts[k] ?? '';
    if (spec.kind === 'int' || spec.kind === 'num') {
      if (text.trim() === '') {
        errors[k] = `${spec.label} is required.`;
        continue;
      }
      const v = parseNumberText(text);
      if (v === null) {
        errors[k] = `${spec.label} must be a number (got ${JSON.stringify(text.length > 30 ? text.slice(0, 30) + '…' : text)}).`;
        continue;
      }
      raw[k] = v;
    } else {
      raw[k] = text.trim();
    }
  }
  const r = validateRunConfig(raw);
  if (!r.ok) {
    for (const e of r.errors) {
      const f = (hasOwn(FIELDS, e.field) ? e.field : '') as keyof RunConfig | '';
      if (!errors[f]) errors[f] = e.message;
    }
  }
  const ok = Object.keys(errors).length === 0 && r.ok;
  return { config: ok && r.ok ? r.value : null, errors };
}
