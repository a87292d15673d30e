// Reads which Node ABI (NODE_MODULE_VERSION) a native addon was built for, from the symbol its
// module initialiser exports: node_register_module_v<ABI>. Node 20 is 115, Electron 45 is 150.
// (better-sqlite3 uses the V8 API, not N-API, so the number must match the runtime exactly.)
import { readFileSync } from 'node:fs';

const MARK = Buffer.from('node_register_module_v', 'latin1');

/** The ABI number, or null when the bytes name none. */
export function abiOfBytes(bytes) {
  let from = 0;
  for (;;) {
    const i = bytes.indexOf(MARK, from);
    if (i < 0) return null;
    let j = i + MARK.length;
    let digits = '';
    while (j < bytes.length && bytes[j] >= 0x30 && bytes[j] <= 0x39 && digits.length < 6) digits += String.fromCharCode(bytes[j++]);
    if (digits) return Number(digits);
    from = i + 1;
  }
}

export function abiOfFile(path) {
  return abiOfBytes(readFileSync(path));
}
