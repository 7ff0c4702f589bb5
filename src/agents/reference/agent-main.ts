import { AgentRequestSchema, AgentResponseSchema, type AgentRequest, type AgentResponseInput } from '../command-protocol.ts';
import { describeIssues } from '../../queue/job-schema.ts';
import type { CommandIo } from '../../cli/command-io.ts';
import { ENGINE_VERSION } from '../../version.ts';
import { referenceDeveloper } from './reference-developer.ts';
import { referenceReviewer } from './reference-reviewer.ts';

export type ReferenceAgent = (request: AgentRequest, args: string[]) => Promise<AgentResponseInput>;

const AGENTS: Record<string, ReferenceAgent> = { developer: referenceDeveloper, reviewer: referenceReviewer };

/**
 * `asp agent <developer|reviewer> [--slip N]`: a reference command agent.
 * Reads one request line from stdin, validates it, runs the agent, writes one
 * validated response line to stdout.
 */
export async function runAgentCommand(argv: string[], io: CommandIo): Promise<number> {
  const [name = '', ...args] = argv;
  const agent = AGENTS[name];
  const usage = `usage: asp agent <${Object.keys(AGENTS).join('|')}> [--slip N]   (a reference command agent: one protocol request on stdin, one response on stdout)\n`;
  if (name === '--help' || name === '-h') {
    io.stdout(usage);
    return 0;
  }
  if (!agent) {
    io.stderr(usage);
    return 2;
  }
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const line = input.split('\n').find((l) => l.trim() !== '') ?? '';
  const parsed = AgentRequestSchema.safeParse(JSON.parse(line));
  if (!parsed.success) {
    io.stderr(`reference ${name}: the request does not follow the protocol: ${describeIssues(parsed.error)}\n`);
    return 2;
  }
  const answer = await agent(parsed.data, args);
  // Offline agents: the key is never used, only acknowledged (so a run shows that it reached the agent).
  const key = process.env.OPENAI_API_KEY ? 'present' : 'absent';
  const response = AgentResponseSchema.parse({ ...answer, did: `${answer.did} (API key: ${key})`, agent: { name: `reference-${name}`, version: ENGINE_VERSION } });
  io.stdout(`${JSON.stringify(response)}\n`);
  return 0;
}
