// CSV export of chart data (RFC 4180: comma separated, CRLF line ends, fields quoted when they
// contain a comma, quote or line break; quotes doubled).

export type Cell = string | number | null | undefined;

export function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) {
    if (r.length !== header.length) throw new RangeError(`A CSV row has ${r.length} fields, the header ${header.length}.`);
    lines.push(r.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export interface Series {
  name: string;
  points: readonly { x: number; y: number }[];
}

/**
 * Several series in one table keyed by x (e.g. iteration or epoch): one row per distinct x,
 * ascending, one column per series, empty where a series has no point at that x.
 */
export function seriesToCsv(xName: string, series: readonly Series[]): string {
  const xs = new Set<number>();
  const maps = series.map((s) => {
    const m = new Map<number, number>();
    for (const p of s.points) {
      m.set(p.x, p.y);
      xs.add(p.x);
    }
    return m;
  });
  const sorted = [...xs].sort((a, b) => a - b);
  return toCsv([xName, ...series.map((s) => s.name)], sorted.map((x) => [x, ...maps.map((m) => m.get(x))]));
}

/** Parses CSV produced by toCsv (used by tests and by nothing else; no exotic dialects). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field.length) throw new SyntaxError(`Unexpected quote inside a field at character ${i}.`);
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new SyntaxError('Unterminated quoted field.');
  if (field.length || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
