#!/usr/bin/env node
// The reference command agents shipped with the engine (no network needed):
//   node src/agents/reference/reference-agent.js developer [--slip N]
//   node src/agents/reference/reference-agent.js reviewer
// They speak the command agent protocol (src/agents/command-protocol.ts) on
// stdin/stdout. Registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./agent-main.ts');
process.exitCode = await main(process.argv.slice(2));
