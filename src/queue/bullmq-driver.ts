/**
 * The Redis/BullMQ driver: the only door to bullmq and ioredis. Its pieces
 * live in src/queue/bullmq/, one concept per file; the rest of the engine
 * imports them from here.
 */
export { connectionOptions, pingRedis, probeRedis, redisAuthFailed, redisServerId, redisUnavailable, type RedisProbe, type RedisTarget } from './bullmq/connection.ts';
export { driveForwardingChain, ForwardingWorker } from './bullmq/forwarding-chain.ts';
export type { JobEvents } from './bullmq/job-events.ts';
export { obliterateQueues, QueueDepthProbe, queueJobCounts } from './bullmq/queue-probes.ts';
export { RedisClient } from './bullmq/redis-client.ts';
export { StepConsumer, UnrecoverableError, type ConsumedJob, type StepConsumerOptions } from './bullmq/step-consumer.ts';
export { StepQueue, type AddOptions, type StepQueueOptions } from './bullmq/step-queue.ts';
export { WorkConsumer, WorkQueue } from './bullmq/work-queue.ts';
