/**
 * `npm run bench -- event-study-twfe [--units=100000] [--months=12] [--missing=0] [--seed=S] [--sunab] [--cr2]`
 *
 * TWFE event study at national-pilot scale: a seeded synthetic staggered panel of student-month
 * absence counts (cohorts first treated in months 3–11 plus never-treated students, dynamic
 * effects; `--missing` drops that share of student-months for an unbalanced panel), one indicator
 * per relative month, student and month effects absorbed, standard errors clustered by student
 * with fixest's small-sample factor. Prints the time of the fit and peak memory (RSS and V8 heap);
 * with `--sunab` also times the Sun–Abraham fit on the same panel, with `--cr2` the TWFE fit with CR2.
 *
 * fixest 0.14 on a 2-core, 24 GB machine (issue 12):
 * feols(y ~ i(rel, ref = c(-1, -1000)) | id + month, vcov = ~id) takes 2.3 s.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import seedrandom from 'seedrandom';
import type { Panel } from '../analysis/event-study/panel.ts';
import { sunAbraham } from '../analysis/event-study/sun-abraham.ts';
import { twfeEventStudy } from '../analysis/event-study/twfe-event-study.ts';

export async function run(args: string[]): Promise<void> {
  const units = Number(option(args, 'units') ?? 100_000);
  const months = Number(option(args, 'months') ?? 12);
  const missing = Number(option(args, 'missing') ?? 0);
  const seed = option(args, 'seed') ?? 'pilot-bench-event-study-twfe-v1';
  const t0 = performance.now();
  const panel = syntheticPanel(units, months, missing, seed);
  console.log(
    `${units} units × ${months} months (${panel.y.length} rows) generated in ${seconds(t0).toFixed(2)} s`,
  );
  const memory = peakMemory();
  try {
    const fits: [string, typeof twfeEventStudy][] = [['twfe (CR1, clustered by unit)', twfeEventStudy]];
    if (args.includes('--sunab')) fits.push(['sunab (CR1, clustered by unit)', sunAbraham]);
    if (args.includes('--cr2'))
      fits.push(['twfe (CR2, clustered by unit)', (p) => twfeEventStudy(p, { seType: 'CR2' })]);
    for (const [label, fit] of fits) {
      const gc = gcPauses();
      const t = performance.now();
      const cpu = process.cpuUsage();
      const faults = process.resourceUsage().minorPageFault;
      const out = fit(panel);
      const s = seconds(t);
      const used = process.cpuUsage(cpu);
      const pageFaults = process.resourceUsage().minorPageFault - faults;
      const paused = await gc.stop();
      if (!out.ok) throw new Error(out.refusal.message);
      const r = out.result;
      const e0 = r.terms.find((x) => x.eventTime === 0)!;
      console.log(
        `${label.padEnd(32)} ${s.toFixed(2)} s (CPU user ${(used.user / 1e6).toFixed(2)} s + system ${(used.system / 1e6).toFixed(2)} s; GC ${paused.toFixed(2)} s; ${pageFaults} page faults)  (${r.terms.length} event times, ${r.nClusters} clusters, K = ${r.smallSampleK}; ` +
          `e=0: ${e0.estimate.toFixed(4)} (${e0.stdError.toFixed(4)}); pre-trend p = ${r.pretrend?.pValue.toFixed(3)})`,
      );
    }
  } finally {
    const peak = memory.stop();
    console.log(
      `peak memory: RSS ${(peak.rss / 2 ** 20).toFixed(0)} MB, V8 heap ${(peak.heap / 2 ** 20).toFixed(0)} MB ` +
        `(max RSS of the process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`,
    );
    console.log(
      'fixest 0.14 feols(y ~ i(rel, ref = c(-1, -1000)) | id + month, vcov = ~id): 2.3 s (issue 12)',
    );
  }
}

/** Student-month absence counts: a_i + season_t + effect(cohort, e) + noise, rounded at 0. */
function syntheticPanel(units: number, months: number, missing: number, seed: string): Panel {
  const rng = seedrandom(seed);
  const season = Array.from({ length: months }, (_, t) => 0.4 * Math.sin((2 * Math.PI * t) / months));
  const cohorts = [0, 0, 0, ...Array.from({ length: Math.max(0, months - 3) }, (_, k) => k + 3)];
  const cohort = new Int32Array(units);
  const ids: string[] = [];
  const unit: number[] = [];
  const period: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < units; i++) {
    ids.push(`s${i}`);
    const g = cohorts[Math.floor(rng() * cohorts.length)];
    cohort[i] = g;
    const a = 1.6 * -Math.log(1 - rng());
    for (let t = 0; t < months; t++) {
      if (missing > 0 && rng() < missing) continue;
      const e = t + 1 - g;
      const effect = g > 0 && e >= 0 ? -(0.15 + 0.05 * Math.min(e, 4)) * (g < 6 ? 1.4 : 0.6) : 0;
      unit.push(i);
      period.push(t);
      y.push(Math.max(0, Math.round(a + season[t] + effect + (rng() - 0.5) * 2)));
    }
  }
  return {
    ids,
    times: Int32Array.from({ length: months }, (_, t) => t + 1),
    unit: Int32Array.from(unit),
    period: Int32Array.from(period),
    y: Float64Array.from(y),
    cohort,
  };
}

/** Total V8 garbage-collection pause time (s) between the call and `stop()`. */
function gcPauses(): { stop: () => Promise<number> } {
  let total = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) total += entry.duration / 1000;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 50));
      observer.disconnect();
      return total;
    },
  };
}

function peakMemory(): { stop: () => { rss: number; heap: number } } {
  let rss = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { rss, heap };
    },
  };
}

function option(args: string[], name: string): string | undefined {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}
