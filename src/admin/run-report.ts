import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunObserver } from '../engine/run-observer.ts';
import { REPORT_FILE } from './admin-defaults.ts';
import { renderDashboardPage } from './dashboard-page.ts';
import { runDashboardData, withReadOnlyStore } from '../telemetry/telemetry-queries.ts';

/**
 * The static HTML report of one run (runs/<runId>/report.html): the
 * dashboard's plots with the data and chart.js inlined, readable offline.
 */
export function writeRunReport(dbPath: string, runId: string, file: string): { file: string; tasks: number } | undefined {
  if (!existsSync(dbPath)) return undefined;
  const data = withReadOnlyStore(dbPath, (db) => runDashboardData(db, runId));
  if (!data) return undefined;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderDashboardPage({ mode: 'static', data }));
  return { file, tasks: data.run.tasks };
}

/**
 * Writes the report when a run ends. The runner has closed its store by then,
 * so the report reads the database read-only by the path in the summary.
 */
export function runReportObserver(): RunObserver {
  return {
    runEnded({ summary }) {
      writeRunReport(summary.paths.database, summary.runId, join(summary.paths.runDir, REPORT_FILE));
    },
  };
}
