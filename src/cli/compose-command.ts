import { copyFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { initComposeSecrets } from '../runtime/compose-secrets.ts';
import { parseCommandArgs } from './command-args.ts';
import type { CommandIo } from './command-io.ts';
import { usageError } from './command-io.ts';

const HELP = `usage: asp compose init [options]     (npm run compose:init)

Prepares this checkout for \`docker compose up -d\` (compose.yml):
  - .env from .env.example when there is none (compose reads it; every variable documented there);
  - the secrets folder (0700, files 0600; existing files are kept): api_key.txt (from OPENAI_API_KEY),
    one random Redis password per client (runner, jordan, alex, sarah) and the Redis ACL file;
  - the shared data and workspaces folders when missing (created as root: given to UID 1000, the persona user).

  --secrets <dir>      default ASP_SECRETS_DIR or ./secrets
  --data <dir>         default ASP_DATA_DIR or ./data
  --workspaces <dir>   default ASP_WORKSPACES_DIR or ./workspaces
  --dot-env <file>     default .env (--dot-env none: do not write one)
`;

export async function runComposeCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('compose', argv, {
    help: { type: 'boolean', short: 'h', default: false },
    secrets: { type: 'string' },
    data: { type: 'string' },
    workspaces: { type: 'string' },
    'dot-env': { type: 'string' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'init') throw usageError('the compose command has one sub-command: init', 'npm run compose:init');
  const env = process.env;
  const envFile = values['dot-env'] ?? '.env';
  if (envFile !== 'none' && !existsSync(envFile) && existsSync('.env.example')) {
    copyFileSync('.env.example', envFile);
    io.stdout(`wrote ${resolve(envFile)} from .env.example\n`);
  }
  const uid = env.ASP_UID ? Number(env.ASP_UID) : undefined;
  const gid = env.ASP_GID ? Number(env.ASP_GID) : undefined;
  const report = initComposeSecrets({
    secretsDir: values.secrets ?? env.ASP_SECRETS_DIR ?? 'secrets',
    dataDir: values.data ?? env.ASP_DATA_DIR ?? 'data',
    workspacesDir: values.workspaces ?? env.ASP_WORKSPACES_DIR ?? 'workspaces',
    ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
    ...(uid !== undefined ? { personaUid: uid } : {}),
    ...(gid !== undefined ? { personaGid: gid } : {}),
  });
  for (const path of report.created) io.stdout(`created ${path}${report.chowned.includes(path) ? ' (owner: the persona user)' : ''}\n`);
  io.stdout('the compose stack is ready: docker compose up -d   (or docker-compose up -d)\n');
  return 0;
}
