// The floor for a listener's start: a bare script that loads BullMQ, opens a
// Worker on one persona queue (as the listener's consumer does), writes one
// heartbeat key, and says "listener ready". test/bench/startup.mjs spawns it
// beside `asp listen`. Env: ASP_REDIS_URL, ASP_QUEUE_PREFIX.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const url = new URL(process.env.ASP_REDIS_URL ?? 'redis://127.0.0.1:6379');
const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
const prefix = process.env.ASP_QUEUE_PREFIX ?? 'asp-bare';
const worker = new Worker('alex', async () => null, { connection, prefix, autorun: false });
void worker.run();
const beat = new Redis(connection);
await Promise.all([worker.waitUntilReady(), beat.set(`${prefix}:listeners:alex:bare`, '{}', 'PX', 5000)]);
process.stderr.write('{"msg":"listener ready"}\n');
process.on('SIGTERM', async () => {
  await beat.del(`${prefix}:listeners:alex:bare`);
  beat.disconnect();
  await worker.close();
  process.exit(0);
});
