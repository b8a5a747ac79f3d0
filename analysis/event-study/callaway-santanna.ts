/**
 * Callaway & Sant'Anna (2021) group-time average treatment effects ATT(g,t) and their
 * aggregations, matching did 2.5.1's `att_gt(..., bstrap = FALSE, cband = FALSE)` followed by
 * `aggte(type = "dynamic")` to 1e-8 (tests/unit/analysis/event-study/cs-golden.test.ts).
 *
 *   callawaySantAnna(panel: Panel, options: CsOptions): CsOutcome   (types: cs-types.ts)
 *
 * - ATT(g,t) = E[Y_t − Y_b | G = g] − E[Y_t − Y_b | C], b the base period and C the never- or
 *   not-yet-treated comparison group (cs-cells.ts); with covariates, did's doubly robust, IPW or
 *   regression 2×2 estimators (doubly-robust.ts; on unbalanced panels their repeated-cross-section
 *   forms, doubly-robust-rc.ts).
 * - Analytic standard errors from the influence functions: SE = √(Σ_i ψ_i²)/n (did's bstrap =
 *   FALSE). With clusters, √(Σ_c (Σ_{i∈c} ψ_i)²)/n, the variance the clustered bootstrap estimates
 *   (did itself ignores clusters without the bootstrap).
 * - Aggregations (cs-aggregate.ts); `terms` is always the dynamic (event-study) aggregation.
 * - With `bootstrap`, did's multiplier bootstrap (multiplier-bootstrap.ts): bootstrap standard
 *   errors and uniform (sup-t) bands, reproducible from the seed.
 * - Pre-trend: did's Wald statistic W = n·θ'V⁻¹θ over the pre-treatment ATT(g,t), chi-square with
 *   as many degrees of freedom as cells.
 *
 * Reference: Callaway, B. and Sant'Anna, P. H. C. (2021), "Difference-in-Differences with multiple
 * time periods", Journal of Econometrics 225(2), 200–230.
 *
 * @example on did's mpdta (lemp, never-treated, varying base period) ATT(2004, 2004) = −0.0105
 *   (tests/unit/analysis/event-study/cs-mpdta.test.ts).
 *
 * Throws only for caller mistakes (malformed panel arrays, invalid options); data problems come
 * back as `{ ok: false, refusal }` or as warnings in the result.
 */
import seedrandom from 'seedrandom';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Panel } from './panel.ts';
import type {
  CsAggregation,
  CsAttGt,
  CsOptions,
  CsOutcome,
  CsOverall,
  CsTerm,
  CsWarning,
} from './cs-types.ts';
import { preparePanel, type PreparedPanel } from './cs-prepare.ts';
import { groupTimeCells, type GtCell } from './cs-cells.ts';
import { aggregate, type Aggregate } from './cs-aggregate.ts';
import { multiplierBootstrap, uniformCriticalValue, type BootstrapDraws } from './multiplier-bootstrap.ts';
import { representedBootstrap } from './represented-bootstrap.ts';
import { analyticSe, pretrend } from './cs-pretrend.ts';

export type * from './cs-types.ts';

const TINY = Math.sqrt(2.220446049250313e-16) * 10;

type Resolved = Required<Omit<CsOptions, 'minE' | 'maxE' | 'balanceE' | 'bootstrap'>> &
  Pick<CsOptions, 'minE' | 'maxE' | 'balanceE' | 'bootstrap'>;

export function callawaySantAnna(panel: Panel, options: CsOptions = {}): CsOutcome {
  const opts = resolveOptions(panel, options);
  const prepared = preparePanel(panel, {
    control: opts.control,
    allowUnbalancedPanel: opts.allowUnbalancedPanel,
    anticipation: opts.anticipation,
  });
  if (!prepared.ok) return { ok: false, refusal: { code: prepared.code, message: prepared.message } };
  const prep = prepared.prepared;
  if (prep.glist.length === 0) {
    return {
      ok: false,
      refusal: {
        code: 'no-treated-units',
        message: 'No unit is first treated after the first period: there is no ATT(g,t) to estimate.',
      },
    };
  }
  if (!prep.cohort.some((g) => g === 0) && prep.control === 'never') {
    return {
      ok: false,
      refusal: { code: 'no-control-units', message: 'No never-treated unit remains to compare with.' },
    };
  }
  const warnings: CsWarning[] = [...prep.warnings];
  const { cells, warnings: cellWarnings } = groupTimeCells(prep, {
    basePeriod: opts.basePeriod,
    anticipation: opts.anticipation,
    estMethod: opts.estMethod,
  });
  warnings.push(...cellWarnings);
  const clusters = opts.clustered ? prep.cluster : null;
  const agg = { minE: opts.minE, maxE: opts.maxE, balanceE: opts.balanceE };
  const layout = { cohorts: prep.cohorts, width: prep.tlist.length + 1 };
  const dynamic = aggregate('dynamic', cells, prep.cohort, agg, layout);
  const requested =
    opts.aggregate === 'dynamic' ? dynamic : aggregate(opts.aggregate, cells, prep.cohort, agg, layout);
  const inference = infer(prep, cells, dynamic, requested, clusters, opts, warnings);
  const dynamicOut = inference.render(dynamic, 'dynamic');
  return {
    ok: true,
    result: {
      method: 'cs',
      control: prep.control,
      basePeriod: opts.basePeriod,
      estMethod: prep.covariates ? opts.estMethod : null,
      nUnits: prep.n,
      terms: dynamicOut.terms,
      overall: dynamicOut.overall,
      aggregation: opts.aggregate === 'dynamic' ? dynamicOut : inference.render(requested, 'requested'),
      attGt: inference.attGt,
      pretrend: pretrend(prep, cells, clusters, warnings),
      bootstrap: opts.bootstrap
        ? {
            draws: opts.bootstrap.draws,
            seed: opts.bootstrap.seed,
            clustered: clusters !== null,
            criticalValue: inference.attGtCritical,
          }
        : null,
      warnings,
    },
  };
}

function resolveOptions(panel: Panel, options: CsOptions): Resolved {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new Error('callawaySantAnna: alpha must be in (0, 1)');
  const anticipation = options.anticipation ?? 0;
  if (!Number.isInteger(anticipation) || anticipation < 0)
    throw new Error('callawaySantAnna: anticipation must be a non-negative integer');
  if (options.bootstrap && !(Number.isInteger(options.bootstrap.draws) && options.bootstrap.draws >= 2)) {
    throw new Error('callawaySantAnna: bootstrap draws must be an integer ≥ 2');
  }
  const clustered = options.clustered ?? panel.cluster !== undefined;
  if (clustered && !panel.cluster)
    throw new Error('callawaySantAnna: clustered is set but the panel has no cluster codes');
  return {
    control: options.control ?? 'never',
    basePeriod: options.basePeriod ?? 'varying',
    allowUnbalancedPanel: options.allowUnbalancedPanel ?? false,
    anticipation,
    estMethod: options.estMethod ?? 'dr',
    aggregate: options.aggregate ?? 'dynamic',
    alpha,
    clustered,
    minE: options.minE,
    maxE: options.maxE,
    balanceE: options.balanceE,
    bootstrap: options.bootstrap,
  };
}

interface Inference {
  attGt: CsAttGt[];
  attGtCritical: number;
  render: (aggregate: Aggregate, which: 'dynamic' | 'requested') => CsAggregation;
}

function infer(
  prep: PreparedPanel,
  cells: GtCell[],
  dynamic: Aggregate,
  requested: Aggregate,
  clusters: Int32Array | null,
  opts: Resolved,
  warnings: CsWarning[],
): Inference {
  const z = normalQuantile(1 - opts.alpha / 2, 0, 1);
  const live = cells.filter((c) => Number.isFinite(c.att) && !c.reference);
  const columns: Float64Array[] = [...live.map((c) => c.inf)];
  const reps: (Float64Array | null)[] = [...live.map((c) => c.rep)];
  const family = (aggregate: Aggregate) => {
    const start = columns.length;
    for (const t of [...aggregate.terms, aggregate.overall]) {
      columns.push(t.inf);
      reps.push(t.rep);
    }
    return start;
  };
  const dynamicStart = family(dynamic);
  const requestedStart = requested === dynamic ? dynamicStart : family(requested);
  let boot: BootstrapDraws | null = null;
  if (opts.bootstrap) {
    const rng = seedrandom(opts.bootstrap.seed);
    const represented = !clusters && reps.every((r) => r !== null);
    boot = represented
      ? representedBootstrap(
          {
            reps: reps as Float64Array[],
            y: prep.y,
            nT: prep.tlist.length,
            cohortIndex: prep.cohortIndex,
            nCohorts: prep.cohorts.length,
          },
          opts.bootstrap.draws,
          rng,
        )
      : multiplierBootstrap(columns, clusters, opts.bootstrap.draws, rng);
  }
  const seOf = (column: number): number | null => {
    const se = boot ? boot.se[column] : analyticSe(columns[column], clusters);
    return Number.isFinite(se) && se > TINY ? se : null;
  };
  const critical = (indices: number[], label: string): number => {
    if (!boot) return z;
    const c = uniformCriticalValue(boot, indices, opts.alpha);
    if (!Number.isFinite(c)) return z;
    if (c >= 7) {
      warnings.push({
        code: 'uniform-band-unreliable',
        message: `The uniform critical value of the ${label} (${c.toFixed(2)}) is too large to be reliable: groups are small or outcomes hardly vary.`,
      });
    }
    return Math.max(c, z);
  };
  const liveIndex = new Map(live.map((c, k) => [c, k]));
  const attGtCritical = critical(
    live.map((_, k) => k),
    'group-time effects',
  );
  const attGt: CsAttGt[] = cells.map((c) => {
    const k = liveIndex.get(c);
    const se = k === undefined ? null : seOf(k);
    const inf = pointwise(c.att, se, z);
    return {
      group: c.group,
      time: c.time,
      eventTime: c.time - c.group,
      estimate: c.att,
      stdError: se,
      ...inf,
      nTreated: c.nTreated,
      nControl: c.nControl,
    };
  });
  const render = (aggregate: Aggregate, which: 'dynamic' | 'requested'): CsAggregation => {
    const start = which === 'dynamic' ? dynamicStart : requestedStart;
    const termIdx = aggregate.terms.map((_, k) => start + k);
    const crit = critical(termIdx, `${aggregate.type} aggregation`);
    const terms: CsTerm[] = aggregate.terms.map((t, k) => {
      const se = t.reference ? null : seOf(start + k);
      const p = pointwise(t.estimate, se, z);
      return {
        eventTime: aggregate.type === 'dynamic' ? t.key : null,
        group: aggregate.type === 'group' ? t.key : null,
        time: aggregate.type === 'calendar' ? t.key : null,
        estimate: t.estimate,
        stdError: se,
        df: null,
        ...p,
        uniformLow: se === null ? null : t.estimate - crit * se,
        uniformHigh: se === null ? null : t.estimate + crit * se,
        n: t.n,
      };
    });
    const overallSe = seOf(start + aggregate.terms.length);
    const overall: CsOverall = {
      estimate: aggregate.overall.estimate,
      stdError: overallSe,
      ...pointwise(aggregate.overall.estimate, overallSe, z),
    };
    return { type: aggregate.type, terms, overall, criticalValue: crit };
  };
  void prep;
  return { attGt, attGtCritical, render };
}

function pointwise(
  estimate: number,
  se: number | null,
  z: number,
): { pValue: number | null; confLow: number | null; confHigh: number | null } {
  if (se === null || !Number.isFinite(estimate)) return { pValue: null, confLow: null, confHigh: null };
  return {
    pValue: 2 * normalCdf(-Math.abs(estimate / se), 0, 1),
    confLow: estimate - z * se,
    confHigh: estimate + z * se,
  };
}
