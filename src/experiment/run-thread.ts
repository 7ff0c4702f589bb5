import { parentPort, workerData } from 'node:worker_threads';
import { runVariant, type RunEnvironment, type RunSpec } from './run-variant.ts';

/** A worker thread of ThreadPoolExecutor: runs the specs it is sent, one at a time. */
const port = parentPort!;
const env = (workerData as { env: RunEnvironment }).env;
const run = runVariant(env);
const controller = new AbortController();

port.on('message', (message: RunSpec | { type: 'abort' }) => {
  if ('type' in message) {
    controller.abort();
    return;
  }
  run(message, controller.signal).then(
    (result) => port.postMessage({ type: 'result', result }),
    (err: unknown) => port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined }),
  );
});
port.postMessage({ type: 'ready' });
