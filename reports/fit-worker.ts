/**
 * The worker thread of parallel-fits.ts: rebuilds the encoded tables from their columns, runs each job
 * with the function the main thread would run, and answers once with every result. Only ever loaded
 * from dist/ (compiled), as a worker.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { EncodedColumn, EncodedTable } from '../analysis/encoded-table.ts';
import { estimateOnTable } from '../analysis/table-estimate.ts';
import { heterogeneityRow } from './estimates-section.ts';
import type { FitRequest, FitResults, WireTable } from './parallel-fits.ts';

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };

function rebuild(wire: readonly WireTable[]): EncodedTable[] {
  const built: EncodedTable[] = [];
  for (const w of wire) {
    const base = w.base === null ? null : built[w.base];
    const columns = new Map<string, EncodedColumn>();
    for (const [name, c] of Object.entries(w.columns)) {
      const labels = c.labels;
      columns.set(name, {
        number: c.number,
        missing: c.missing,
        notNumber: c.notNumber,
        labels: () => {
          if (!labels) throw new Error(`the fit worker has no labels of ${name}`);
          return labels;
        },
      });
    }
    built.push({
      cells: () => {
        throw new Error('the fit worker has no cells');
      },
      header: w.header,
      rows: w.rows,
      lines: w.lines,
      regular: w.regular,
      column: (name) => columns.get(name) ?? base?.column(name) ?? null,
    });
  }
  return built;
}

port.on('message', (request: FitRequest) => {
  const results: FitResults = {};
  try {
    const tables = rebuild(request.tables);
    for (const job of request.jobs) {
      try {
        const table = tables[job.table];
        const value =
          job.kind === 'fit'
            ? estimateOnTable(table, job.outcome, request.plan, { rows: job.rows ?? undefined })
            : heterogeneityRow(table, job.outcome, request.plan, job.contrast, job.subgroup);
        results[job.key] = { ok: true, value };
      } catch (e) {
        results[job.key] = { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
    }
  } finally {
    port.postMessage(results);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    port.close();
  }
});
