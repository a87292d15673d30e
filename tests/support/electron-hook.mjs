// A Node module-resolution hook (module.register): the specifier 'electron' resolves to the
// stand-in in electron-stub.mjs, so the built ESM main bundle runs under plain Node.
const stubUrl = new URL('./electron-stub.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: stubUrl, shortCircuit: true };
  return nextResolve(specifier, context);
}
