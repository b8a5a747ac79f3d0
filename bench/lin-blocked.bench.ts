/**
 * `npm run bench -- lin-blocked [--students=108000] [--blocks=2000] [--dense] [--full] [--repeat=3]`
 *
 * Lin's estimator with block indicators at national scale, as the report fits it: a synthetic design
 * of students in households of 1–4 siblings (the clusters), households assigned to two arms within
 * ~2,000 blocks, prior-year absence rate (5 % missing, imputed with an indicator) and baseline
 * absence rate as covariates. Times the blocked fast path (analysis/lin-blocked.ts) with CR2 by
 * household (effect df only, as reports) and with HC2; with `--dense`, also the dense QR path on the
 * same design, and prints the largest relative difference of the effect's estimate, SE and df between
 * the two. The dense QR costs O(n·p²) with p = 2·blocks + 2k columns and holds n × p doubles: at
 * 2,000 blocks that is ~3·10¹² flops and over 7 GB (not finished after 4 minutes on 2 cores), so
 * compare with fewer blocks, e.g. `--blocks=200 --dense`. With `--full`, also the whole coefficient
 * table as `pilot estimate` prints it (every term's SE, and for CR2 its Bell–McCaffrey df, from the
 * cell form: lin-blocked.ts's blockedTerms), timed once.
 */
import seedrandom from 'seedrandom';
import { clearBlockedDesignCache } from '../analysis/lin-blocked.ts';
import { lmLin, lmLinDense } from '../analysis/lm-lin.ts';
import type { LmLinInput } from '../analysis/estimator-inputs.ts';
import type { EstimateOutcome, SeType, TermEstimate } from '../analysis/types.ts';

const SEED = 'pilot-bench-lin-blocked-v1';

export async function run(args: string[]): Promise<void> {
  const students = Number(option(args, 'students') ?? 108_000);
  const blocks = Number(option(args, 'blocks') ?? 2_000);
  const repeat = Number(option(args, 'repeat') ?? 3);
  const dense = args.includes('--dense');
  const t0 = performance.now();
  const d = generate(students, blocks);
  console.log(
    `${d.n} students, ${d.households} households (clusters), ${blocks} blocks; generated in ${seconds(t0).toFixed(2)} s`,
  );
  for (const seType of ['CR2', 'HC2'] as SeType[]) {
    const input: LmLinInput = {
      outcome: d.y,
      treatment: d.z,
      treatmentName: 'treatment',
      covariates: [
        { name: 'prior_year_absence_rate', values: d.prior },
        { name: 'baseline_absence_rate', values: d.baseline },
        { name: 'block', kind: 'factor', values: d.block },
      ],
      clusters: seType === 'CR2' ? d.household : undefined,
      seType,
      effectDfOnly: true,
    };
    const times: number[] = [];
    let fast: TermEstimate | null = null;
    for (let r = 0; r < repeat; r++) {
      clearBlockedDesignCache();
      const start = performance.now();
      const out = lmLin(input);
      times.push(seconds(start));
      fast = effect(out, 'fast');
    }
    // another outcome on the same design (as a report's outcomes on the same students): the design's
    // part of the fit (bases, weights, CR2 adjustments and df) is reused
    const other = { ...input, outcome: Float64Array.from(d.y, (v, i) => v + 0.01 * (i % 7)) };
    const secondStart = performance.now();
    effect(lmLin(other), 'fast, second outcome');
    const second = seconds(secondStart);
    console.log(
      `${seType} fast path: ${times.map((t) => t.toFixed(3)).join(' / ')} s (a second outcome on the same design: ${second.toFixed(3)} s); treatment ${fast!.estimate.toFixed(6)} (SE ${fast!.stdError.toFixed(6)}, df ${fast!.df.toFixed(2)})`,
    );
    if (args.includes('--full')) {
      const start = performance.now();
      const out = lmLin({ ...input, effectDfOnly: false });
      const full = seconds(start);
      if (!out.ok) throw new Error(`full table refused: ${out.refusal.message}`);
      const worstDf = Math.min(...out.result.terms.map((t) => t.df));
      console.log(
        `${seType} full table (${out.result.terms.length} terms with SE and df, covariance ${out.result.covariance ? 'yes' : 'no'}): ${full.toFixed(2)} s; smallest df ${worstDf.toFixed(2)}`,
      );
    }
    if (!dense) continue;
    const start = performance.now();
    const slow = effect(lmLinDense(input), 'dense');
    const denseSeconds = seconds(start);
    const diff = Math.max(
      ...(['estimate', 'stdError', 'df'] as const).map(
        (k) => Math.abs(fast![k] - slow[k]) / Math.max(1, Math.abs(slow[k])),
      ),
    );
    console.log(
      `${seType} dense path: ${denseSeconds.toFixed(1)} s; treatment ${slow.estimate.toFixed(6)} (SE ${slow.stdError.toFixed(6)}, df ${slow.df.toFixed(2)}); max relative difference ${diff.toExponential(2)}`,
    );
  }
  if (!dense) console.log('(dense path not run; add --dense to time it and compare)');
}

function effect(out: EstimateOutcome, what: string): TermEstimate {
  if (!out.ok) throw new Error(`${what} refused: ${out.refusal.message}`);
  return out.result.terms.find((t) => t.term === 'treatment')!;
}

/** Deterministic synthetic design; each block gets households of both arms. */
function generate(students: number, blocks: number) {
  const rng = seedrandom(SEED);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const y: number[] = [];
  const z: number[] = [];
  const prior: number[] = [];
  const baseline: number[] = [];
  const block: string[] = [];
  const household: number[] = [];
  let h = 0;
  const perBlock = students / blocks;
  for (let b = 0; b < blocks; b++) {
    const end = Math.round((b + 1) * perBlock);
    const label = `B${String(b).padStart(4, '0')}`;
    const blockEffect = 0.03 * normal();
    let arm = rng() < 0.5 ? 1 : 0;
    while (y.length < end) {
      const size = Math.min(end - y.length, 1 + Math.floor(rng() * 4));
      arm = 1 - arm; // alternate so every block has both arms
      const family = 0.04 * normal();
      for (let s = 0; s < size; s++) {
        const p = Math.min(1, Math.max(0, 0.09 + blockEffect + family + 0.06 * normal()));
        const base = Math.min(1, Math.max(0, p + 0.03 * normal()));
        const rate = Math.min(1, Math.max(0, 0.5 * p + 0.4 * base - 0.006 * arm + 0.03 * normal()));
        y.push(rate);
        z.push(arm);
        prior.push(rng() < 0.05 ? NaN : p);
        baseline.push(base);
        block.push(label);
        household.push(h);
      }
      h++;
    }
  }
  return { n: y.length, households: h, y, z, prior, baseline, block, household };
}

function option(args: string[], name: string): string | undefined {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}
