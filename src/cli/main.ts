import type { Command, CommandIo } from './command-io.ts';
import { PROCESS_IO, runCommand } from './run-command.ts';

/** `asp <command> [options]`: each command lives in its own module, loaded on demand. */

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  simulate: { summary: 'run a scenario: asp simulate scenarios/task-a.yaml [--json]', load: async () => (await import('./simulate-command.ts')).runSimulateCommand },
  listen: { summary: "run one persona's listener (started by the runtimes)", load: async () => (await import('./listen-command.ts')).runListenCommand },
  probe: { summary: 'PROBE math: asp probe --x 130,650 --y 186,699 --xk 386 [--json]', load: async () => (await import('./probe-command.ts')).runProbeCommand },
  admin: { summary: 'migrations, health checks and the dashboard: asp admin [serve|migrate|health|report] [--port 8080]', load: async () => (await import('./admin-command.ts')).runAdminCommand },
  replay: { summary: 'verify a run from its recording: asp replay runs/<runId> [--live] [--json]', load: async () => (await import('./replay-command.ts')).runReplayCommand },
  regress: {
    summary: 'regression scenarios vs baselines: asp regress [scenarios…] [--json] [--junit f] [--update-baselines]',
    load: async () => (await import('./regress-command.ts')).runRegressCommand,
  },
  load: { summary: 'load test: asp load --tasks 10000 [--concurrency n | --arrival-rate r] [--threshold e2e.p95<2s] [--json]', load: async () => (await import('./load-command.ts')).runLoadCommand },
  experiment: {
    summary: 'what-if sweeps over seeds: asp experiment scenarios/experiments/review-yield.yaml [--workers n] [--transport inline|queues] [--json]',
    load: async () => (await import('./experiment-command.ts')).runExperimentCommand,
  },
  forecast: { summary: 'completion forecast: asp forecast <scenario.yaml> [--seeds 500] [--by 30d] [--json]', load: async () => (await import('./forecast-command.ts')).runForecastCommand },
  compose: {
    summary: 'prepare the compose stack: asp compose init (secrets, Redis users, data and workspaces folders, .env)',
    load: async () => (await import('./compose-command.ts')).runComposeCommand,
  },
  agent: {
    summary: 'a reference command agent (no network): asp agent developer [--slip N] | asp agent reviewer',
    load: async () => (await import('../agents/reference/agent-main.ts')).runAgentCommand,
  },
  bench: { summary: 'throughput vs the round-trip baseline: asp bench [--tasks 2000] [--settings 64/32,256/64] [--memory]', load: async () => (await import('./bench-command.ts')).runBenchCommand },
};

const EXIT_CODE_SUMMARY =
  'exit status: 0 ran and every expectation held · 1 a threshold/expectation failed · 2 bad input or missing environment (nothing written) · 3 engine/infrastructure failure (resumable) · 130 interrupted\n';

export function registerCommand(name: string, summary: string, load: () => Promise<Command>): void {
  COMMANDS[name] = { summary, load };
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: asp <command> [options]   (asp <command> --help for its options)\n\ncommands:\n${lines.join('\n')}\n\n${EXIT_CODE_SUMMARY}`;
}

export async function main(argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`asp: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return runCommand(name, command.load, rest, io);
}
