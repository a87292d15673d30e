/** The NODE_MODULE_VERSION a native addon was built for (from node_register_module_v<N>), or null. */
export function abiOfBytes(bytes: Buffer): number | null;
export function abiOfFile(path: string): number | null;
