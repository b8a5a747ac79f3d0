/**
 * `npm run bench -- estimators [--students=1000000] [--no-r] [--no-process] [--pairs=3]`
 *
 * Generates (once, deterministically) a CSV of students in households of 1–4 siblings, assigned by
 * household within 2,000 blocks (one per 500 students below 1,000,000) at probabilities .3/.5/.6, under bench/.data/; times reading it
 * separately from estimation; times Pilot's plain, blocked and household-clustered CR2 difference
 * in means (Bell–McCaffrey df), lm_lin with HC2 and stata-clustered OLS; and, when Rscript with
 * estimatr is installed, times estimatr on the same file in the same run (its CR2 only on the first
 * 20,000 students, as it runs out of memory beyond) and checks that both give the same numbers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import seedrandom from 'seedrandom';
import { differenceInMeans } from '../analysis/difference-in-means.ts';
import { lmLin } from '../analysis/lm-lin.ts';
import { lmRobust } from '../analysis/lm-robust.ts';
import type { EstimateOutcome } from '../analysis/types.ts';

const SEED = 'pilot-bench-estimators-v1';
const MAX_BLOCKS = 2000;
const CR2_R_LIMIT = 20_000;
const DATA_DIR = new URL('./.data/', import.meta.url);

interface Table {
  n: number;
  household: Float64Array;
  block: Float64Array;
  z: Float64Array;
  prior: Float64Array;
  y: Float64Array;
}

interface Timing {
  name: string;
  pilotSeconds: number;
  estimate: number;
  stdError: number;
  df: number;
}

export async function run(args: string[]): Promise<void> {
  const students = Number(option(args, 'students') ?? 1_000_000);
  const households = Math.round(students / 2);
  const blocks = Math.min(MAX_BLOCKS, Math.max(1, Math.floor(students / 500)));
  const path = new URL(`estimators-${students}.csv`, DATA_DIR);
  if (!existsSync(path)) {
    const t = performance.now();
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(path, generateCsv(students, households, blocks));
    console.log(`generated ${path.pathname} in ${seconds(t).toFixed(1)} s`);
  }
  const readStart = performance.now();
  const table = readCsv(readFileSync(path, 'utf8'));
  const readSeconds = seconds(readStart);
  console.log(
    `${table.n} students, ${households} households, ${blocks} blocks; CSV read in ${readSeconds.toFixed(2)} s`,
  );
  const timings = timePilot(table);
  const subset = slice(table, Math.min(CR2_R_LIMIT, table.n));
  timings.push(
    timeOne(`cr2-dim-${subset.n}`, () =>
      differenceInMeans({ outcome: subset.y, treatment: subset.z, clusters: subset.household }),
    ),
  );
  const r = args.includes('--no-r') ? null : timeEstimatr(path.pathname);
  printTable(timings, r, readSeconds);
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`\npeak RSS of the node process: ${rss.toFixed(0)} MB`);
  if (!args.includes('--no-process'))
    wholeProcess(
      path.pathname,
      Number(option(args, 'pairs') ?? 3),
      !args.includes('--no-r') && hasEstimatr(),
    );
}

/**
 * What an analyst waits for: each case as a whole process, `pilot estimate FILE …` (the compiled
 * command, as `npm ci` builds it) against `Rscript` reading the file with fread and calling estimatr,
 * run in pairs A B A B … so both sides see the same machine load; medians and their ratio.
 */
const PROCESS_CASES: { name: string; pilot: string[]; r: string | null }[] = [
  { name: 'plain-dim', pilot: ['--method', 'dim'], r: 'difference_in_means(y ~ z, data = d)' },
  {
    name: 'blocked-dim',
    pilot: ['--blocks', 'block'],
    r: 'difference_in_means(y ~ z, blocks = block, data = d)',
  },
  {
    name: 'lm-lin-hc2',
    pilot: ['--method', 'lin', '--covariates', 'prior', '--se-type', 'HC2'],
    r: 'lm_lin(y ~ z, covariates = ~prior, data = d, se_type = "HC2")',
  },
  {
    name: 'stata-ols',
    pilot: ['--method', 'ols', '--covariates', 'prior', '--clusters', 'household', '--se-type', 'stata'],
    r: 'lm_robust(y ~ z + prior, data = d, clusters = household, se_type = "stata")',
  },
  { name: 'cr2-dim (households)', pilot: ['--clusters', 'household'], r: null },
];

function wholeProcess(csv: string, pairs: number, withR: boolean): void {
  const bin = new URL('../bin/pilot.js', import.meta.url).pathname;
  execFileSync(process.execPath, [new URL('../scripts/build.mjs', import.meta.url).pathname, '--quiet']);
  const wall = (command: string, argv: string[]) => {
    const start = performance.now();
    const result = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed:\n${result.stderr}`);
    return seconds(start);
  };
  console.log(
    `\nwhole process, ${pairs} pair(s) each, median wall time (node ${process.version}` +
      `${withR ? `, ${rVersions()}` : ', R not installed: Pilot alone'}):\n`,
  );
  console.log('| case | `pilot estimate` (s) | Rscript + fread + estimatr (s) | Pilot ÷ estimatr |');
  console.log('|---|---:|---:|---:|');
  for (const c of PROCESS_CASES) {
    const pilot: number[] = [];
    const r: number[] = [];
    for (let k = 0; k < pairs; k++) {
      pilot.push(
        wall(process.execPath, [bin, 'estimate', csv, '--outcome', 'y', '--treatment', 'z', ...c.pilot]),
      );
      if (withR && c.r !== null)
        r.push(
          wall('Rscript', [
            '-e',
            `suppressPackageStartupMessages({ library(data.table); library(estimatr) }); ` +
              `d <- fread("${csv}"); print(${c.r})`,
          ]),
        );
    }
    const p = median(pilot);
    const rCell = r.length ? median(r).toFixed(2) : c.r === null ? 'out of memory (not run)' : '–';
    const ratio = r.length ? `${(p / median(r)).toFixed(2)}×` : '';
    console.log(`| ${c.name} | ${p.toFixed(2)} | ${rCell} | ${ratio} |`);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function hasEstimatr(): boolean {
  try {
    execFileSync(
      'Rscript',
      [
        '-e',
        'stopifnot(requireNamespace("estimatr", quietly = TRUE), requireNamespace("data.table", quietly = TRUE))',
      ],
      { stdio: 'ignore' },
    );
    return true;
  } catch {
    return false;
  }
}

function rVersions(): string {
  return execFileSync(
    'Rscript',
    [
      '-e',
      'cat(R.version.string, "estimatr", format(packageVersion("estimatr")), "data.table", format(packageVersion("data.table")))',
    ],
    { encoding: 'utf8' },
  ).trim();
}

function timePilot(t: Table): Timing[] {
  const cases: [string, () => EstimateOutcome][] = [
    ['plain-dim', () => differenceInMeans({ outcome: t.y, treatment: t.z })],
    ['blocked-dim', () => differenceInMeans({ outcome: t.y, treatment: t.z, blocks: t.block })],
    ['cr2-dim', () => differenceInMeans({ outcome: t.y, treatment: t.z, clusters: t.household })],
    [
      'lm-lin-hc2',
      () =>
        lmLin({
          outcome: t.y,
          treatment: t.z,
          treatmentName: 'z',
          covariates: [{ name: 'prior', values: t.prior }],
          seType: 'HC2',
        }),
    ],
    [
      'stata-ols',
      () =>
        lmRobust({
          outcome: t.y,
          columns: [
            { name: 'z', values: t.z },
            { name: 'prior', values: t.prior },
          ],
          clusters: t.household,
          seType: 'stata',
        }),
    ],
  ];
  return cases.map(([name, f]) => timeOne(name, f));
}

function timeOne(name: string, f: () => EstimateOutcome): Timing {
  const start = performance.now();
  const out = f();
  const pilotSeconds = seconds(start);
  if (!out.ok) throw new Error(`${name} refused: ${out.refusal.message}`);
  const term = out.result.terms.find((x) => x.term === 'z' || x.term === 'treatment') ?? out.result.terms[0];
  return { name, pilotSeconds, estimate: term.estimate, stdError: term.stdError, df: term.df };
}

/** estimatr's timings and numbers keyed by case name, or null without R. */
function timeEstimatr(
  csv: string,
): Map<string, { seconds: number; estimate: number; stdError: number; df: number }> | null {
  try {
    execFileSync(
      'Rscript',
      [
        '-e',
        'stopifnot(requireNamespace("estimatr", quietly = TRUE), requireNamespace("data.table", quietly = TRUE))',
      ],
      { stdio: 'ignore' },
    );
  } catch {
    console.log('Rscript with estimatr and data.table not found: skipping the estimatr comparison');
    return null;
  }
  const script = new URL('estimatr-timings.R', DATA_DIR);
  writeFileSync(script, R_SCRIPT);
  const out = execFileSync('Rscript', [script.pathname, csv, String(CR2_R_LIMIT)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const rows = new Map<string, { seconds: number; estimate: number; stdError: number; df: number }>();
  for (const line of out.split('\n')) {
    const [tag, name, s, estimate, stdError, df] = line.trim().split(/\s+/);
    if (tag === 'TIMING')
      rows.set(name, {
        seconds: Number(s),
        estimate: Number(estimate),
        stdError: Number(stdError),
        df: Number(df),
      });
  }
  return rows;
}

const R_SCRIPT = `
suppressPackageStartupMessages({ library(estimatr); library(data.table) })
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
d <- as.data.frame(fread(args[1]))
cat("TIMING read-csv", proc.time()[["elapsed"]] - t0, "NA NA NA\\n")
report <- function(name, expr) {
  t <- system.time(fit <- expr)[["elapsed"]]
  k <- which(fit$term == "z")
  cat("TIMING", name, t, sprintf("%.15g", fit$coefficients[k]), sprintf("%.15g", fit$std.error[k]), sprintf("%.15g", fit$df[k]), "\\n")
}
report("plain-dim", difference_in_means(y ~ z, data = d))
report("blocked-dim", difference_in_means(y ~ z, blocks = block, data = d))
report("lm-lin-hc2", lm_lin(y ~ z, covariates = ~prior, data = d, se_type = "HC2"))
report("stata-ols", lm_robust(y ~ z + prior, data = d, clusters = household, se_type = "stata"))
small <- d[seq_len(min(nrow(d), as.integer(args[2]))), ]
report(paste0("cr2-dim-", nrow(small)), difference_in_means(y ~ z, clusters = household, data = small))
`;

function printTable(timings: Timing[], r: ReturnType<typeof timeEstimatr>, readSeconds: number): void {
  console.log('\n| case | Pilot (s) | estimatr 1.0.0 (s) | speed-up | max rel. diff (est, SE, df) |');
  console.log('|---|---:|---:|---:|---:|');
  const rRead = r?.get('read-csv');
  console.log(`| read CSV | ${readSeconds.toFixed(3)} | ${rRead ? rRead.seconds.toFixed(3) : '–'} | | |`);
  for (const t of timings) {
    const ref = r?.get(t.name);
    const speedUp = ref ? `${(ref.seconds / t.pilotSeconds).toFixed(1)}×` : '';
    const diff = ref
      ? Math.max(
          rel(t.estimate, ref.estimate),
          rel(t.stdError, ref.stdError),
          rel(t.df, ref.df),
        ).toExponential(1)
      : '';
    const rCell = ref
      ? ref.seconds.toFixed(3)
      : t.name === 'cr2-dim' && r
        ? `skipped (> ${CR2_R_LIMIT} students: out of memory)`
        : '–';
    console.log(`| ${t.name} | ${t.pilotSeconds.toFixed(3)} | ${rCell} | ${speedUp} | ${diff} |`);
  }
  console.log(
    '\nPilot df of the household-clustered CR2 DiM (Bell–McCaffrey):',
    timings.find((t) => t.name === 'cr2-dim')?.df,
  );
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

/** `--name=value` or `--name value`. */
function option(args: string[], name: string): string | undefined {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  if (hit) return hit.slice(name.length + 3);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined;
}

/** Households of 1–4 siblings (sizes with mean 2, adjusted to exactly `students`), assigned by household within blocks. */
function generateCsv(students: number, households: number, blocks: number): string {
  const rng = seedrandom(SEED);
  const sizes = householdSizes(rng, students, households);
  const blockOf = Int32Array.from({ length: households }, () => 1 + Math.floor(rng() * blocks));
  const treated = assignWithinBlocks(rng, blockOf, blocks);
  const lines = ['student,household,block,z,prior,y'];
  let student = 0;
  for (let h = 0; h < households; h++) {
    const effect = 2 * normal(rng);
    for (let k = 0; k < sizes[h]; k++) {
      const prior = Math.round(-4 * Math.log(rng() * rng()) * 10) / 10;
      const y = 8 + 0.5 * prior + effect - 1.0 * treated[h] + 3 * normal(rng);
      lines.push(`${++student},${h + 1},${blockOf[h]},${treated[h]},${prior},${y.toFixed(3)}`);
    }
  }
  return lines.join('\n') + '\n';
}

function householdSizes(rng: () => number, students: number, households: number): Int8Array {
  const sizes = Int8Array.from({ length: households }, () => {
    const u = rng();
    return u < 0.4 ? 1 : u < 0.7 ? 2 : u < 0.9 ? 3 : 4;
  });
  let total = sizes.reduce((s, x) => s + x, 0);
  while (total !== students) {
    const h = Math.floor(rng() * households);
    if (total < students && sizes[h] < 4) {
      sizes[h]++;
      total++;
    } else if (total > students && sizes[h] > 1) {
      sizes[h]--;
      total--;
    }
  }
  return sizes;
}

/** Complete random assignment of households within each block at p = .3, .5 or .6 by block. */
function assignWithinBlocks(rng: () => number, blockOf: Int32Array, blocks: number): Uint8Array {
  const members: number[][] = Array.from({ length: blocks + 1 }, () => []);
  blockOf.forEach((b, h) => members[b].push(h));
  const treated = new Uint8Array(blockOf.length);
  members.forEach((hs, b) => {
    const p = [0.3, 0.5, 0.6][b % 3];
    for (let i = hs.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [hs[i], hs[j]] = [hs[j], hs[i]];
    }
    const m = Math.round(p * hs.length);
    for (let i = 0; i < m; i++) treated[hs[i]] = 1;
  });
  return treated;
}

function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function readCsv(text: string): Table {
  const lines = text.split('\n');
  const n = lines.length - 2;
  const t: Table = {
    n,
    household: new Float64Array(n),
    block: new Float64Array(n),
    z: new Float64Array(n),
    prior: new Float64Array(n),
    y: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const f = lines[i + 1].split(',');
    t.household[i] = Number(f[1]);
    t.block[i] = Number(f[2]);
    t.z[i] = Number(f[3]);
    t.prior[i] = Number(f[4]);
    t.y[i] = Number(f[5]);
  }
  return t;
}

function slice(t: Table, n: number): Table {
  return {
    n,
    household: t.household.subarray(0, n),
    block: t.block.subarray(0, n),
    z: t.z.subarray(0, n),
    prior: t.prior.subarray(0, n),
    y: t.y.subarray(0, n),
  };
}
