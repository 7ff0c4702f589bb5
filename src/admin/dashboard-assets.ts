import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AspError } from '../errors.ts';

/**
 * The files the dashboard page needs, read from disk once: its stylesheet and
 * scripts (src/admin/assets/) and chart.js's UMD build from node_modules (no
 * CDN: the admin works with no network).
 */
export interface DashboardAsset {
  name: string;
  contentType: string;
  body: string;
}

// '../admin/': the same folder from this module and from a bundle in dist/cli/ (the build's).
const ASSET_DIR = fileURLToPath(new URL('../admin/assets/', import.meta.url));
const OWN = ['dashboard.css', 'dashboard-charts.js', 'dashboard-view.js', 'dashboard-app.js'] as const;
export const CHART_JS = 'chart.umd.min.js';

/** The scripts in load order (the app script only in the live page). */
export const SCRIPTS: readonly string[] = [CHART_JS, 'dashboard-charts.js', 'dashboard-view.js'];
export const LIVE_SCRIPT = 'dashboard-app.js';
export const STYLESHEET = 'dashboard.css';

let cache: Map<string, DashboardAsset> | undefined;

export function chartJsPath(): string {
  const require = createRequire(import.meta.url);
  // The package's `require` entry is dist/chart.cjs; the UMD build sits beside it.
  return join(dirname(require.resolve('chart.js')), CHART_JS);
}

export function dashboardAssets(): Map<string, DashboardAsset> {
  if (cache) return cache;
  const assets = new Map<string, DashboardAsset>();
  for (const name of OWN) {
    assets.set(name, { name, contentType: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8', body: readFileSync(join(ASSET_DIR, name), 'utf8') });
  }
  assets.set(CHART_JS, { name: CHART_JS, contentType: 'text/javascript; charset=utf-8', body: readFileSync(chartJsPath(), 'utf8') });
  cache = assets;
  return assets;
}

export function asset(name: string): DashboardAsset {
  const found = dashboardAssets().get(name);
  if (!found) throw new AspError('INTERNAL', `unknown dashboard asset ${name}`);
  return found;
}
