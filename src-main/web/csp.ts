// The Content-Security-Policy of the renderer's page, the same whether the Electron window
// (src-main/electron/protocol.ts and security.ts) or the web host (./host.ts) serves it.
//
// The header is the policy that counts. The page also carries it as a <meta> tag
// (src-renderer/index.html), so the page is covered even when something serves the built files
// without the header; a meta policy cannot hold frame-ancestors (browsers ignore it there and log
// an error), so the tag is the header without that directive. tests/electron/csp.test.ts checks
// that the tag in the source and in the build is exactly RENDERER_META_CSP.
const DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];

export const RENDERER_CSP = DIRECTIVES.join('; ');

export const RENDERER_META_CSP = DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors ')).join('; ');
