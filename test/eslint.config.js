// ESLint flat config (kept under test/ so the top level stays small):
// `npm run lint` passes it with -c.
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The rooms of src/, from the top floor down. A room imports only rooms below it
// (types excepted: an interface may name a higher room's type).
const FLOORS = [
  ['cli'],
  ['admin', 'experiment', 'report'],
  ['runner', 'recording'],
  ['engine'],
  ['telemetry', 'runtime'],
  ['queue'],
  ['agents'],
  ['workflow'],
  ['probe', 'scenario', 'workspace', 'thresholds'],
];

// Leaf modules a lower room may use although they sit higher (each imports nothing of the project):
// the step's wire contract (agents read jobs), and the command line that starts another asp process.
const EXCEPTIONS = ['../queue/job-schema.ts', '../../queue/job-schema.ts', '../cli/asp-command-line.ts'];

function layerRules() {
  return FLOORS.slice(1).map((rooms, i) => {
    const above = FLOORS.slice(0, i + 1).flat();
    return {
      files: rooms.map((r) => `src/${r}/**`),
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: [...above.flatMap((r) => [`../${r}/*`, `../../${r}/*`]), ...EXCEPTIONS.map((e) => `!${e}`)],
                allowTypeImports: true,
                message: `a lower room does not import a higher one (${above.join(', ')}); wire it at the top or pass it in`,
              },
            ],
          },
        ],
      },
    };
  });
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'runs/**', 'workspaces/**', 'data/**', 'test/.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'bullmq', message: 'only the driver (src/queue/bullmq-driver.ts and src/queue/bullmq/) talks to BullMQ' },
            { name: 'ioredis', message: 'only the driver (src/queue/bullmq-driver.ts and src/queue/bullmq/) talks to Redis' },
            { name: 'better-sqlite3', message: 'only src/telemetry/sqlite-store.ts opens SQLite' },
            { name: 'dockerode', message: 'only the docker client module talks to Docker' },
          ],
          patterns: [
            { group: ['**/telemetry/sqlite-store.ts', '!./sqlite-store.ts'], message: 'open the telemetry store with openTelemetryStore (telemetry/open-store.ts)' },
            { group: ['**/queue/bullmq/*'], message: 'import the Redis/BullMQ driver from queue/bullmq-driver.ts' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/queue/bullmq-driver.ts', 'src/queue/bullmq/**', 'src/telemetry/sqlite-store.ts', 'src/runtime/docker-client.ts', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // SQL stays in src/telemetry/: everyone else uses the store's named reads.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/telemetry/**'],
    rules: { 'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='query']", message: 'no SQL outside src/telemetry/: add a named read to TelemetryStore' }] },
  },
  // No import circles, in src/ and test/ alike.
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/extensions': ['.ts', '.js'], 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  ...layerRules(),
  {
    files: ['src/workflow/**', 'src/probe/**'],
    rules: {
      'no-restricted-globals': ['error', { name: 'Date', message: 'machines and PROBE are pure: inject the clock' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'use the seeded PRNG' },
        { selector: "CallExpression[callee.property.name='query']", message: 'no SQL outside src/telemetry/: add a named read to TelemetryStore' },
      ],
    },
  },
);
