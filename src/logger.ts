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
  'api_key',
  'authorization',
  'env.ASP_API_KEY',
  'env.ASP_REDIS_URL',
  'env.REDIS_URL',
  'env.OPENAI_API_KEY',
  'env.ANTHROPIC_API_KEY',
  '*.password',
  '*.apiKey',
  '*.api_key',
  '*.token',
  '*.secret',
  '*.redisUrl',
  '*.authorization',
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
    scrubbing(destination),
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

// `"` excluded so that a match never spans two JSON fields of a log line.
const URL_CREDENTIALS = /\/\/([^:@/\s"]*):([^@/\s"]+)@/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const API_KEY = /\bsk-[A-Za-z0-9_-]{16,}/g;

/** Masks secrets inside free text: passwords in URLs, bearer tokens, `sk-…` API keys. */
export function scrubSecrets(text: string): string {
  if (!text.includes('//') && !text.includes('Bearer') && !text.includes('Basic') && !text.includes('sk-')) return text;
  return text.replace(URL_CREDENTIALS, '//$1:***@').replace(BEARER, '$1 [redacted]').replace(API_KEY, '[redacted]');
}

/**
 * Every line is scrubbed on its way out, so a secret inside a string (a URL
 * with a password in an error message or stack, an API key, a child
 * logger's bindings, a listener's forwarded line) never reaches the file.
 */
function scrubbing(destination: DestinationStream): DestinationStream {
  const d = destination as DestinationStream & { flush?: (cb?: (err?: Error) => void) => void; flushSync?: () => void };
  return {
    write: (line: string) => d.write(scrubSecrets(line)),
    ...(d.flush ? { flush: (cb?: (err?: Error) => void) => d.flush?.(cb) } : {}),
    ...(d.flushSync ? { flushSync: () => d.flushSync?.() } : {}),
  } as DestinationStream;
}
