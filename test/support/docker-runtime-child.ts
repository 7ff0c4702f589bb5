/**
 * A process that owns a DockerRuntime, for the signal and exit tests:
 *   node --import tsx docker-runtime-child.ts <redisUrl> <runId> <workspaceRoot> <mode>
 * mode "wait": start, print "ready", wait (the test sends SIGINT);
 * mode "exit": start, print "ready", process.exit(130) without closing.
 */
import { DockerRuntime } from '../../src/runtime/docker-runtime.ts';

const [redisUrl = '', runId = '', workspaceRoot = '', mode = 'wait'] = process.argv.slice(2);
const runtime = new DockerRuntime({ build: 'never', stopGraceSeconds: 2 });
await runtime.start({
  runId,
  redisUrl,
  queuePrefix: `child-${runId}`,
  personas: ['jordan'],
  listenersPerPersona: 1,
  concurrency: 1,
  workspaceRoot,
  runDir: `${workspaceRoot}-run`,
  readyTimeoutMs: 120_000,
});
process.stdout.write('ready\n');
if (mode === 'exit') process.exit(130);
await new Promise((resolve) => setTimeout(resolve, 300_000));
process.stdout.write('not interrupted\n');
