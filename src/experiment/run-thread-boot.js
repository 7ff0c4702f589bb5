// Entry of an experiment worker thread: registers tsx (the sources are TypeScript), then loads the thread's module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
