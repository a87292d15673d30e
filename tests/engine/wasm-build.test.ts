// The committed kernels.generated.ts must be what scripts/build-wasm.mjs makes from the current
// AssemblyScript sources (asc's output is deterministic: the same sources give the same bytes).
// If this fails, run `npm run build:wasm` and commit the result.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { KERNELS_BASE64, KERNELS_BYTES, KERNELS_SHA256 } from '../../src-shared/engine/wasm/kernels.generated';

const root = resolve(__dirname, '../..');

describe('kernels.generated.ts', () => {
  it('is up to date with src-shared/engine/wasm/assembly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-build-'));
    try {
      const out = join(dir, 'kernels.generated.ts');
      execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs'), '--out', out], { cwd: root, stdio: 'pipe' });
      const fresh = readFileSync(out, 'utf8');
      const committed = readFileSync(join(root, 'src-shared/engine/wasm/kernels.generated.ts'), 'utf8');
      expect(fresh === committed, 'kernels.generated.ts is stale: run `npm run build:wasm`').toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds the module its header describes', () => {
    const bytes = Buffer.from(KERNELS_BASE64, 'base64');
    expect(bytes.length).toBe(KERNELS_BYTES);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(KERNELS_SHA256);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
    expect(imports).toEqual([]); // instantiable anywhere, no host functions
  });

  it('the build script refuses unknown arguments', () => {
    expect(() => execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs'), '--bogus'], { cwd: root, stdio: 'pipe' })).toThrow(/Unknown or incomplete argument "--bogus"/);
  });
});
