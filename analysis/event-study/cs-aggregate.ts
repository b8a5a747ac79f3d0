/**
 * Aggregations of ATT(g,t) as did 2.5.1's `aggte` (`compute.aggte`): simple, dynamic (event study,
 * with min_e / max_e / balance_e), group and calendar, each with its influence function.
 *
 * Weights are cohort shares P̂(G = g) (did's `pg`), estimated, so the influence function of a
 * weighted average Σ_k w_k ATT_k adds the weight-estimation term (did's `wif`):
 *   Σ_k ATT_k [ (1{G=g_k} − p_k)/S − p_k Σ_j (1{G=g_j} − p_j)/S² ],  S = Σ_k p_k.
 * Equal-weight averages (group effects over t, overall effects over e or t) have no such term.
 * Influence functions are carried both as vectors over units and, where the cells have one, in
 * their by-cohort representation (GtCell.rep), which the weight term keeps: it depends on the
 * unit's cohort only.
 */
import type { CsAggregationType } from './cs-types.ts';
import type { GtCell } from './cs-cells.ts';

/** An influence function over units, and its by-cohort representation when there is one. */
export interface Influence {
  inf: Float64Array;
  rep: Float64Array | null;
}

export interface AggregateTerm extends Influence {
  /** event time (dynamic), cohort (group), period (calendar); null for simple */
  key: number | null;
  estimate: number;
  /** units in the cohorts the term averages */
  n: number;
  /** true when the term has no sampling variance by construction (universal e = −1) */
  reference: boolean;
}

export interface Aggregate {
  type: CsAggregationType;
  terms: AggregateTerm[];
  overall: Influence & { estimate: number };
}

export interface AggregateOptions {
  minE?: number;
  maxE?: number;
  balanceE?: number;
}

/** Layout of GtCell.rep: the cohorts (values, in cohort-index order) and the width T + 1. */
export interface RepLayout {
  cohorts: Int32Array;
  width: number;
}

interface Context {
  cells: GtCell[];
  cohort: Int32Array;
  n: number;
  pg: Map<number, number>;
  size: Map<number, number>;
  layout: RepLayout | null;
}

export function aggregate(
  type: CsAggregationType,
  allCells: GtCell[],
  cohort: Int32Array,
  options: AggregateOptions = {},
  layout: RepLayout | null = null,
): Aggregate {
  const cells = allCells.filter((c) => Number.isFinite(c.att));
  const n = cohort.length;
  const size = new Map<number, number>();
  for (const g of cohort) size.set(g, (size.get(g) ?? 0) + 1);
  const pg = new Map<number, number>();
  for (const c of cells) pg.set(c.group, (size.get(c.group) ?? 0) / n);
  const ctx: Context = { cells, cohort, n, pg, size, layout };
  const maxE = options.maxE ?? Number.POSITIVE_INFINITY;
  if (type === 'simple') {
    const keep = cells.filter((c) => c.group <= c.time && c.time <= c.group + maxE);
    const term = weighted(ctx, keep, null);
    return { type, terms: [term], overall: { estimate: term.estimate, inf: term.inf, rep: term.rep } };
  }
  if (type === 'dynamic') return dynamic(ctx, options);
  if (type === 'group') return byGroup(ctx, maxE);
  return calendar(ctx);
}

function dynamic(ctx: Context, options: AggregateOptions): Aggregate {
  const { cells } = ctx;
  let include: (c: GtCell) => boolean = () => true;
  let eseq = [...new Set(cells.map((c) => c.time - c.group))].sort((a, b) => a - b);
  if (options.balanceE !== undefined) {
    const be = options.balanceE;
    const tMax = Math.max(...cells.map((c) => c.time));
    const tMin = Math.min(...cells.map((c) => c.time));
    eseq = eseq.filter((e) => e <= be && e >= be - tMax + tMin);
    include = (c: GtCell) => tMax - c.group >= be;
  }
  const minE = options.minE ?? Number.NEGATIVE_INFINITY;
  const maxE = options.maxE ?? Number.POSITIVE_INFINITY;
  eseq = eseq.filter((e) => e >= minE && e <= maxE);
  const terms = eseq.map((e) =>
    weighted(
      ctx,
      cells.filter((c) => c.time - c.group === e && include(c)),
      e,
    ),
  );
  const post = terms.filter((t) => (t.key as number) >= 0);
  return { type: 'dynamic', terms, overall: average(ctx, post, equal(post.length)) };
}

function byGroup(ctx: Context, maxE: number): Aggregate {
  const groups = [...new Set(ctx.cells.map((c) => c.group))].sort((a, b) => a - b);
  const terms: AggregateTerm[] = [];
  for (const g of groups) {
    const which = ctx.cells.filter((c) => c.group === g && g <= c.time && c.time <= g + maxE);
    if (which.length === 0) continue;
    const avg = average(
      ctx,
      which.map((c) => ({ estimate: c.att, inf: c.inf, rep: c.rep })),
      equal(which.length),
    );
    terms.push({ key: g, ...avg, n: ctx.size.get(g) ?? 0, reference: false });
  }
  // overall: cohort-share weighted average of the group effects, with estimated weights. did's
  // compute.aggte passes the per-cell `group` vector to wif() here, so its weight term pairs each
  // cohort share with the first cells' cohort indicator; Pilot pairs each share with its own cohort
  // (checked against the jackknife), so this one standard error can differ from did's.
  const p = terms.map((t) => ctx.pg.get(t.key as number) ?? 0);
  const s = p.reduce((a, b) => a + b, 0);
  const overall = average(
    ctx,
    terms,
    p.map((x) => x / s),
  );
  addWeightInfluence(
    ctx,
    terms.map((t) => t.key as number),
    terms.map((t) => t.estimate),
    overall,
  );
  return { type: 'group', terms, overall };
}

function calendar(ctx: Context): Aggregate {
  const minG = Math.min(...ctx.cells.map((c) => c.group));
  const times = [...new Set(ctx.cells.map((c) => c.time))].filter((t) => t >= minG).sort((a, b) => a - b);
  const terms = times
    .map((t1) =>
      weighted(
        ctx,
        ctx.cells.filter((c) => c.time === t1 && c.group <= c.time),
        t1,
      ),
    )
    .filter((t) => Number.isFinite(t.estimate));
  return { type: 'calendar', terms, overall: average(ctx, terms, equal(terms.length)) };
}

/** Σ_k w_k ATT_k with w_k = p_k / Σ p, and its influence function including the weight term. */
function weighted(ctx: Context, which: GtCell[], key: number | null): AggregateTerm {
  const p = which.map((c) => ctx.pg.get(c.group) ?? 0);
  const s = p.reduce((a, b) => a + b, 0);
  const avg = average(
    ctx,
    which.map((c) => ({ estimate: c.att, inf: c.inf, rep: c.rep })),
    p.map((x) => x / s),
  );
  addWeightInfluence(
    ctx,
    which.map((c) => c.group),
    which.map((c) => c.att),
    avg,
  );
  const groups = new Set(which.map((c) => c.group));
  const units = [...groups].reduce((a, g) => a + (ctx.size.get(g) ?? 0), 0);
  const reference = which.length > 0 && which.every((c) => c.reference);
  return { key, ...avg, n: units, reference };
}

/** did's wif(): adds Σ_k att_k · IF(w_k) for weights w_k = p_k / Σ p over the listed cells. */
function addWeightInfluence(ctx: Context, groups: number[], att: number[], target: Influence): void {
  const p = groups.map((g) => ctx.pg.get(g) ?? 0);
  const s = p.reduce((a, b) => a + b, 0);
  if (!(s > 0)) return;
  // A(g) = Σ att_k and C(g) = number of cells, over the cells of cohort g
  const attByGroup = new Map<number, number>();
  const cellsByGroup = new Map<number, number>();
  let attP = 0;
  groups.forEach((g, k) => {
    attByGroup.set(g, (attByGroup.get(g) ?? 0) + att[k]);
    cellsByGroup.set(g, (cellsByGroup.get(g) ?? 0) + 1);
    attP += att[k] * p[k];
  });
  const second = attP / (s * s);
  // Σ_k att_k (1{G_i=g_k} − p_k)/s − [Σ_k (1{G_i=g_k} − p_k)] · Σ_k att_k p_k / s²: a function of G_i
  const term = (g: number) =>
    ((attByGroup.get(g) ?? 0) - attP) / s - ((cellsByGroup.get(g) ?? 0) - s) * second;
  for (let i = 0; i < ctx.n; i++) target.inf[i] += term(ctx.cohort[i]);
  if (target.rep && ctx.layout) {
    const { cohorts, width } = ctx.layout;
    cohorts.forEach((g, c) => (target.rep![c * width + width - 1] += term(g)));
  }
}

function equal(k: number): number[] {
  return new Array<number>(k).fill(1 / k);
}

/** Σ_k w_k x_k for estimates and their influence functions. */
function average(
  ctx: Context,
  parts: (Influence & { estimate: number })[],
  w: number[],
): Influence & { estimate: number } {
  const inf = new Float64Array(ctx.n);
  const hasRep = ctx.layout !== null && parts.every((part) => part.rep !== null);
  const rep = hasRep ? new Float64Array(ctx.layout!.cohorts.length * ctx.layout!.width) : null;
  if (parts.length === 0) return { estimate: Number.NaN, inf, rep };
  let estimate = 0;
  parts.forEach((part, k) => {
    estimate += w[k] * part.estimate;
    const f = part.inf;
    for (let i = 0; i < ctx.n; i++) inf[i] += w[k] * f[i];
    if (rep) part.rep!.forEach((x, j) => (rep[j] += w[k] * x));
  });
  return { estimate, inf, rep };
}
