// ESLint flat config (kept under test/ so the top level stays small):
// `npm run lint` passes it with -c.
import tseslint from 'typescript-eslint';

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
            { name: 'bullmq', message: 'only src/queue/bullmq-driver.ts talks to BullMQ' },
            { name: 'ioredis', message: 'only src/queue/bullmq-driver.ts talks to Redis' },
            { name: 'better-sqlite3', message: 'only src/telemetry/sqlite-store.ts opens SQLite' },
            { name: 'dockerode', message: 'only the docker client module talks to Docker' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/queue/bullmq-driver.ts', 'src/telemetry/sqlite-store.ts', 'src/runtime/docker-client.ts', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/workflow/**', 'src/probe/**'],
    rules: {
      'no-restricted-globals': ['error', { name: 'Date', message: 'machines and PROBE are pure: inject the clock' }],
      'no-restricted-syntax': ['error', { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'use the seeded PRNG' }],
    },
  },
);
