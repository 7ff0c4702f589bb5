// HEALTHCHECK of the asp-platform containers (plain JS: runs without tsx).
//
//   node docker/healthcheck.mjs listener   Redis answers at ASP_REDIS_URL and this
//                                          listener's heartbeat key is alive
//                                          (<ASP_QUEUE_PREFIX>:listeners:<ASP_PERSONA>:<ASP_LISTENER_ID>,
//                                          see src/queue/listener-registry.ts)
//   node docker/healthcheck.mjs admin      Redis answers, migrations were applied and the
//                                          dashboard answers on 127.0.0.1:<ASP_ADMIN_PORT or 8080>
//
// Talks RESP over a raw socket, so it needs no driver and takes milliseconds.
// Exit 0 = healthy, 1 = unhealthy (with the reason on stderr).
import { createConnection } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';

const mode = process.argv[2] ?? 'listener';
const TIMEOUT_MS = 3000;

function fail(reason) {
  process.stderr.write(`unhealthy (${mode}): ${reason}\n`);
  process.exit(1);
}

function redisTarget() {
  // ASP_REDIS_URL_FILE (a mounted secret with the persona's own credentials) wins.
  const file = process.env.ASP_REDIS_URL_FILE;
  const raw = (file && existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined) ?? process.env.ASP_REDIS_URL ?? 'redis://127.0.0.1:6379';
  let url;
  try {
    url = new URL(raw);
  } catch {
    fail('ASP_REDIS_URL is not a URL');
  }
  return {
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 6379),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    username: url.username ? decodeURIComponent(url.username) : undefined,
  };
}

function encode(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Sends the commands in one pipeline; resolves with one status line per command. */
function pipeline({ host, port }, commands) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from redis at ${host}:${port} within ${TIMEOUT_MS}ms`));
    }, TIMEOUT_MS);
    let buffer = '';
    socket.on('connect', () => socket.write(commands.map(encode).join('')));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      // Every command used here answers with a one-line reply (+, -, :).
      const lines = buffer.split('\r\n').filter(Boolean);
      if (lines.length >= commands.length) {
        clearTimeout(timer);
        socket.end();
        resolve(lines.slice(0, commands.length));
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const target = redisTarget();
const commands = [];
if (target.password) commands.push(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]);
commands.push(['PING']);
const { ASP_PERSONA: persona, ASP_LISTENER_ID: listenerId } = process.env;
const prefix = process.env.ASP_QUEUE_PREFIX ?? 'asp';
const checkBeat = mode === 'listener' && persona && listenerId;
if (checkBeat) commands.push(['EXISTS', `${prefix}:listeners:${persona}:${listenerId}`]);

let replies;
try {
  replies = await pipeline(target, commands);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const failed = replies.find((r) => r.startsWith('-'));
if (failed) fail(`redis answered ${failed}`);
if (checkBeat && replies.at(-1) !== ':1') {
  fail(`no heartbeat from listener ${persona}/${listenerId} under prefix ${prefix}`);
}
if (mode === 'admin') {
  if (!existsSync('/tmp/asp-admin-migrated')) fail('migrations have not completed yet');
  const port = Number(process.env.ASP_ADMIN_PORT ?? 8080);
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/runs`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.status !== 200) fail(`the dashboard answered ${response.status}`);
  } catch (err) {
    fail(`the dashboard does not answer on port ${port}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
process.exit(0);
