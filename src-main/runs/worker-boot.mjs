// Development/test bootstrap for a run worker written in TypeScript: registers tsx's loader in
// this worker thread, then loads the real entry. (Node 20 ignores `execArgv: ['--import', 'tsx']`
// for worker threads' ESM loading, so the loader is registered here instead.) The Electron
// bundle builds worker.js and starts it directly, without this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
