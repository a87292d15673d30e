// The Content-Security-Policy header of the renderer's page, the same whether the Electron window
// (src-main/electron/security.ts) or the web host (./host.ts) serves it.
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
