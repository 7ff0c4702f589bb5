import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Field paths whose values never reach a log file. */
export const REDACT_PATHS = [
  'password',
  'apiKey',
  'token',
  'secret',
  'redisUrl',
  'env.ASP_API_KEY',
  'env.ASP_REDIS_URL',
  '*.password',
  '*.apiKey',
  '*.token',
  '*.secret',
  '*.redisUrl',
  'headers.authorization',
];

export interface LoggerOptions {
  /** File for JSON lines; when absent, logs go to stderr (fd 2). */
  file?: string;
  level?: string;
  base?: Record<string, unknown>;
}

/** The one root logger of a process. Components take `logger.child({ component })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  let destination: DestinationStream;
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    destination = pino.destination({ dest: options.file, sync: true, mkdir: true });
  } else {
    destination = pino.destination({ dest: 2, sync: true });
  }
  return pino(
    {
      level: options.level ?? process.env.ASP_LOG_LEVEL ?? 'info',
      base: options.base ?? {},
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

/** A logger that drops everything: for tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Removes credentials from a Redis URL before it is shown to a person. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
