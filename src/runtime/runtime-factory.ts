import { AspError } from '../errors.ts';
import type { AgentRuntime, RuntimeKind } from './agent-runtime.ts';
import { ComposeRuntime } from './compose-runtime.ts';
import { DockerRuntime, type DockerRuntimeOptions } from './docker-runtime.ts';
import { ProcessRuntime } from './process-runtime.ts';

export interface RuntimeFactoryOptions {
  /** Options of the docker runtime (ignored by the process runtime). */
  docker?: DockerRuntimeOptions;
}

/** The runtime of the given kind: child processes, one container per listener, or the compose stack's standing listeners. */
export function createRuntime(kind: RuntimeKind, options: RuntimeFactoryOptions = {}): AgentRuntime {
  switch (kind) {
    case 'process':
      return new ProcessRuntime();
    case 'docker':
      return new DockerRuntime(options.docker);
    case 'compose':
      return new ComposeRuntime();
    default: {
      const never: never = kind;
      throw new AspError('USAGE', `unknown runtime "${String(never)}"`, { hint: 'use --runtime process, docker or compose' });
    }
  }
}
