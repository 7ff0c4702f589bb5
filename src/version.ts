import { existsSync, readFileSync } from 'node:fs';

// package.json is one folder up from src/version.ts and dist/version.js, two from a bundle in dist/cli/ (the build's).
const PACKAGE_JSON = [new URL('../package.json', import.meta.url), new URL('../../package.json', import.meta.url)].find((u) => existsSync(u)) ?? new URL('../package.json', import.meta.url);

/** The engine's version, from package.json (recorded with every run). */
export const ENGINE_VERSION: string = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
