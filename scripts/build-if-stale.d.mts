/** The repository root. */
export const ROOT: string;
/** True when a bundle is missing or any source is newer than the last successful build. */
export function isStale(root?: string): boolean;
/** Builds with electron-vite if stale (or forced); throws with the build output on failure. */
export function buildIfStale(opts?: { log?: (line: string) => void; force?: boolean }): { built: boolean; ms: number };
