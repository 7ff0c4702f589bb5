/**
 * The `asp` process never outlives the command that started it. `npm run
 * simulate` starts asp through `sh -c`; a SIGTERM to npm (what `timeout` and
 * CI send) kills npm and that shell but never reaches asp, which would go on
 * running detached. So asp watches its parent: when it changes (the parent
 * died and asp was re-parented to init or a subreaper), asp sends itself
 * SIGTERM, which the command handles as it handles SIGINT (drain, exit 130).
 * A process started by init (a container's entrypoint) has nothing to watch;
 * one with an IPC channel to its parent (a runtime's listener) learns of the
 * parent's death from the channel closing.
 */
export function watchParent(intervalMs = 500, onOrphaned: () => void = () => process.kill(process.pid, 'SIGTERM')): () => void {
  const parent = process.ppid;
  if (parent <= 1 || process.channel) return () => undefined;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
