/**
 * Fits of a report run in a worker thread while the main thread builds the rest of the report: the
 * subgroup ITTs, the joint heterogeneity tests and the monthly ITTs (dozens of Lin fits with CR2 at
 * national scale) are independent of the descriptive sections and the pooled fits, and a 2-core machine
 * has the second core idle while the database waits. The worker runs the very functions the main thread
 * would (`estimateOnTable`, `heterogeneityRow`) on the same encoded columns, so every number is the
 * same, bit for bit; a job the worker cannot do (or a worker that fails or is absent: running from the
 * TypeScript sources, as the tests do) is computed in the main thread instead.
 *
 * The worker gets the analysis tables as their encoded columns (typed arrays and the label codes), not
 * the report inputs: structured-cloning 108,000 students and their months takes seconds.
 *
 * `PILOT_FIT_WORKER=never` keeps every fit in the main thread, `always` uses the worker for any size
 * (tests compare the two); by default it is used from 10,000 students.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { AnalysisPlan, ArmContrast, OutcomeName } from '../analysis/analysis-plan.ts';
import type { EncodedTable, Labels } from '../analysis/encoded-table.ts';
import type { ReportInputs } from './report-inputs.ts';

/** One column of an encoded table as sent to the worker (labels only where a reader needs them). */
export interface WireColumn {
  number: Float64Array;
  missing: Uint8Array;
  notNumber: Uint8Array;
  labels: Labels | null;
}

/** An encoded table as sent: its own columns, the others those of table `base` (a month's table). */
export interface WireTable {
  base: number | null;
  header: string[];
  rows: number;
  lines: Int32Array;
  regular: boolean;
  columns: Record<string, WireColumn>;
}

export type FitJob =
  | { kind: 'fit'; key: string; table: number; outcome: string; rows: Int32Array | null }
  | {
      kind: 'heterogeneity';
      key: string;
      table: number;
      outcome: OutcomeName;
      contrast: ArmContrast;
      subgroup: string;
    };

export interface FitRequest {
  plan: AnalysisPlan;
  tables: WireTable[];
  jobs: FitJob[];
}

/** The worker's answer: per job key its result, or the reason it could not be done. */
export type FitResults = Record<string, { ok: true; value: unknown } | { ok: false; message: string }>;

interface Running {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  keys: Set<string>;
  results: FitResults | null;
  failed: boolean;
}

const running = new WeakMap<ReportInputs, Running>();

/** The worker's compiled module (only in dist/: running from the TypeScript sources there is none). */
const workerFile = new URL('./fit-worker.js', import.meta.url);

/** Whether this report's fits should go to the worker (see the file comment). */
export function fitWorkerWanted(inputs: ReportInputs): boolean {
  const setting = process.env.PILOT_FIT_WORKER;
  if (setting === 'never') return false;
  // compiled, this module has the worker's compiled module beside it (the build compiles every source)
  if (!import.meta.url.endsWith('.js')) return false;
  return setting === 'always' || inputs.students.length >= 10_000;
}

/** An encoded table's columns as sent to the worker; labels for the named columns. */
export function wireTable(
  t: EncodedTable,
  names: readonly string[],
  withLabels: ReadonlySet<string>,
  base: number | null,
): WireTable {
  const columns: Record<string, WireColumn> = {};
  for (const name of names) {
    const c = t.column(name);
    if (!c) continue;
    columns[name] = {
      number: c.number,
      missing: c.missing,
      notNumber: c.notNumber,
      labels: withLabels.has(name) ? c.labels() : null,
    };
  }
  return {
    base,
    header: [...t.header],
    rows: t.rows,
    lines: Int32Array.from(t.lines),
    regular: t.regular,
    columns,
  };
}

/** Send the jobs to a new worker; their results are taken with `takeFit`. */
export function startFits(inputs: ReportInputs, request: FitRequest): void {
  if (request.jobs.length === 0) return;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(workerFile, { workerData: { port: port2, flag }, transferList: [port2] });
  worker.unref();
  // an error in the worker shows as no answer: the main thread then fits the jobs itself
  worker.on('error', () => {});
  port1.postMessage(request);
  running.set(inputs, {
    worker,
    port: port1,
    flag,
    keys: new Set(request.jobs.map((j) => j.key)),
    results: null,
    failed: false,
  });
}

/** How long the main thread waits for the worker's answer before fitting the jobs itself. */
const WAIT_MS = 10 * 60 * 1000;

/**
 * The worker's result of a job, waiting for it (synchronously: the report is built by pure
 * functions), or undefined when there is no worker, the job was not sent, or the worker failed it.
 */
export function takeFit<T>(inputs: ReportInputs, key: string): T | undefined {
  const r = running.get(inputs);
  if (!r || r.failed || !r.keys.has(key)) return undefined;
  if (!r.results) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const m = receiveMessageOnPort(r.port);
      if (m) {
        r.results = m.message as FitResults;
        break;
      }
      if (Date.now() > deadline) {
        r.failed = true;
        stopFits(inputs);
        return undefined;
      }
      Atomics.wait(r.flag, 0, 0, 100);
    }
  }
  const answer = r.results[key];
  return answer && answer.ok ? (answer.value as T) : undefined;
}

/**
 * How many of this report's fits went to the worker and how many it answered (null without a worker):
 * `pilot analyze --json` prints it as `fit_worker`.
 */
export function fitWorkerStats(inputs: ReportInputs): { jobs: number; answered: number } | null {
  const r = running.get(inputs);
  if (!r) return null;
  const answered = r.results ? Object.values(r.results).filter((a) => a.ok).length : 0;
  return { jobs: r.keys.size, answered };
}

/** End the worker of this report's fits (its results stay readable). */
export function stopFits(inputs: ReportInputs): void {
  const r = running.get(inputs);
  if (!r) return;
  r.port.close();
  void r.worker.terminate();
  if (!r.results) r.failed = true;
}
