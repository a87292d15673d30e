// What every run records about the software that made it (architecture.md: everything a run
// needs to be reproduced is recorded with it).
import packageJson from '../../package.json';
import { CHECKPOINT_VERSION } from '../../src-shared/engine/checkpoint';
import { ENGINE_VERSION as SOLVER_VERSION } from '../../src-shared/engine/solver';

export const APP_VERSION: string = packageJson.version;
/** The engine's numbers-changing version and its checkpoint format. */
export const ENGINE_VERSION = `${SOLVER_VERSION} (checkpoint v${CHECKPOINT_VERSION})`;
