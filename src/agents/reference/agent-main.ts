import { AgentRequestSchema, AgentResponseSchema, type AgentRequest, type AgentResponseInput } from '../command-protocol.ts';
import { describeIssues } from '../../queue/job-schema.ts';
import { ENGINE_VERSION } from '../../version.ts';
import { referenceDeveloper } from './reference-developer.ts';
import { referenceReviewer } from './reference-reviewer.ts';

export type ReferenceAgent = (request: AgentRequest, args: string[]) => Promise<AgentResponseInput>;

const AGENTS: Record<string, ReferenceAgent> = { developer: referenceDeveloper, reviewer: referenceReviewer };

/** Reads one request line from stdin, validates it, runs the agent, writes one validated response line. */
export async function main(argv: string[]): Promise<number> {
  const [name = '', ...args] = argv;
  const agent = AGENTS[name];
  if (!agent) {
    process.stderr.write(`usage: reference-agent.js <${Object.keys(AGENTS).join('|')}> [options]\n`);
    return 2;
  }
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const line = input.split('\n').find((l) => l.trim() !== '') ?? '';
  const parsed = AgentRequestSchema.safeParse(JSON.parse(line));
  if (!parsed.success) {
    process.stderr.write(`reference ${name}: the request does not follow the protocol: ${describeIssues(parsed.error)}\n`);
    return 2;
  }
  const response = AgentResponseSchema.parse({ ...(await agent(parsed.data, args)), agent: { name: `reference-${name}`, version: ENGINE_VERSION } });
  process.stdout.write(`${JSON.stringify(response)}\n`);
  return 0;
}
