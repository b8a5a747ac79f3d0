/**
 * The group-time cells of Callaway & Sant'Anna: which ATT(g,t) are estimated, their base period
 * and comparison group, exactly as did 2.5.1's `compute.att_gt` loops over them, and the
 * influence function of each (one entry per unit; did's `inffunc` column).
 *
 * Base period b(g,t) (did's `get_pret`): universal → g − 1 − δ for every t; varying → g − 1 − δ when
 * t ≥ g, otherwise the period before t. Comparison group: never treated (cohort 0), or not yet
 * treated: cohort 0 or first treated after max(t, b) + δ, other than g.
 */
import type { CsBasePeriod, CsEstMethod, CsWarning } from './cs-types.ts';
import type { PreparedPanel } from './cs-prepare.ts';
import { unconditionalPanelAtt, unconditionalUnbalancedAtt, type CellAtt } from './two-by-two.ts';
import { conditionalAtt } from './doubly-robust.ts';

export interface GtCell {
  group: number;
  time: number;
  /** the base period (value) */
  base: number;
  /** NaN when the cell could not be estimated */
  att: number;
  /** influence function over the prepared panel's units; all zeros for the universal reference cell */
  inf: Float64Array;
  /** true for the universal base period's reference cell t = g − 1 − δ (estimate 0 by construction) */
  reference: boolean;
  /**
   * Balanced panel without covariates: ψ_i = Σ_t rep[c·W + t] Y_it + rep[c·W + T] with c the
   * unit's cohort index and W = T + 1, so ψ depends on the unit only through its cohort and
   * outcomes (used by the fast bootstrap); null otherwise.
   */
  rep: Float64Array | null;
  nTreated: number;
  nControl: number;
}

export interface CellOptions {
  basePeriod: CsBasePeriod;
  anticipation: number;
  estMethod: CsEstMethod;
}

export function groupTimeCells(
  prep: PreparedPanel,
  options: CellOptions,
): { cells: GtCell[]; warnings: CsWarning[] } {
  const { tlist, glist } = prep;
  const delta = options.anticipation;
  const universal = options.basePeriod === 'universal';
  const tfac = universal ? 0 : 1;
  const cells: GtCell[] = [];
  const warnings: CsWarning[] = [];
  const emptyCells: string[] = [];
  const failedCells: string[] = [];
  const trimmedCells: string[] = [];
  for (const g of glist) {
    const lastPre = lastIndexBefore(tlist, g - delta);
    for (let ti = 0; ti < tlist.length - tfac; ti++) {
      const tt = ti + tfac;
      let pret = universal ? lastPre : ti;
      if (g <= tlist[tt]) {
        pret = lastPre;
        if (pret < 0) {
          warnings.push({
            code: 'empty-cell',
            message: `There are no pre-treatment periods for the group first treated at ${g}: its units are dropped.`,
          });
          break;
        }
      }
      if (universal && pret === tt) {
        cells.push({
          group: g,
          time: tlist[tt],
          base: tlist[pret],
          att: 0,
          inf: new Float64Array(prep.n),
          reference: true,
          nTreated: 0,
          nControl: 0,
          rep: representable(prep) ? new Float64Array(prep.cohorts.length * (tlist.length + 1)) : null,
        });
        continue;
      }
      const { problem, trimmed, means, ...cell } = estimateCell(prep, g, tt, pret, options);
      const label = `ATT(g=${g}, t=${tlist[tt]})`;
      if (problem) failedCells.push(`${label}: ${problem}`);
      else if (!Number.isFinite(cell.att)) emptyCells.push(label);
      if (trimmed) trimmedCells.push(`${label}: ${trimmed}`);
      const rep =
        means && Number.isFinite(cell.att) ? representation(prep, g, tt, pret, options, cell, means) : null;
      cells.push({ group: g, time: tlist[tt], base: tlist[pret], reference: false, rep, ...cell });
    }
  }
  if (emptyCells.length > 0) {
    warnings.push({
      code: 'empty-cell',
      message: `Too few units: no treated or no comparison units observed for ${emptyCells.join(', ')}; not estimated and left out of the aggregations.`,
      details: { cells: emptyCells },
    });
  }
  if (failedCells.length > 0) {
    warnings.push({
      code: 'empty-cell',
      message: `Not estimated and left out of the aggregations: ${failedCells.join('; ')}.`,
      details: { cells: failedCells },
    });
  }
  if (trimmedCells.length > 0) {
    warnings.push({
      code: 'propensity-trimmed',
      message: `Comparison units with a propensity score of 0.995 or more get no weight (DRDID's trimming); units trimmed per cell: ${trimmedCells.join(', ')}.`,
      details: { cells: trimmedCells },
    });
  }
  return { cells, warnings };
}

function lastIndexBefore(tlist: Int32Array, bound: number): number {
  let k = -1;
  for (let i = 0; i < tlist.length; i++) if (tlist[i] < bound) k = i;
  return k;
}

/** Membership per cohort index: 1 = treated group g, 2 = comparison group, 0 = neither. */
function cohortMembership(
  prep: PreparedPanel,
  g: number,
  tt: number,
  pret: number,
  delta: number,
): Uint8Array {
  const later = Math.max(prep.tlist[tt], prep.tlist[pret]) + delta;
  const notYet = prep.control === 'notyet';
  return Uint8Array.from(prep.cohorts, (c) => (c === g ? 1 : c === 0 || (notYet && c > later) ? 2 : 0));
}

/** Membership per unit (that of its cohort). */
function membership(prep: PreparedPanel, g: number, tt: number, pret: number, delta: number): Uint8Array {
  const byCohort = cohortMembership(prep, g, tt, pret, delta);
  const member = new Uint8Array(prep.n);
  const index = prep.cohortIndex;
  for (let i = 0; i < member.length; i++) member[i] = byCohort[index[i]];
  return member;
}

function representable(prep: PreparedPanel): boolean {
  return prep.balanced && !(prep.covariates && prep.covariates.length > 0);
}

/** ψ_i = n/n_g (ΔY_i − μ_g) for the treated cohort, −n/n_C (ΔY_i − μ_C) for comparison cohorts. */
function representation(
  prep: PreparedPanel,
  g: number,
  tt: number,
  pret: number,
  options: CellOptions,
  cell: CellAtt,
  [mu1, mu0]: [number, number],
): Float64Array {
  const width = prep.tlist.length + 1;
  const rep = new Float64Array(prep.cohorts.length * width);
  const byCohort = cohortMembership(prep, g, tt, pret, options.anticipation);
  const a1 = prep.n / cell.nTreated;
  const a0 = prep.n / cell.nControl;
  byCohort.forEach((m, c) => {
    if (m === 0) return;
    const a = m === 1 ? a1 : -a0;
    const mu = m === 1 ? mu1 : mu0;
    rep[c * width + tt] += a;
    rep[c * width + pret] -= a;
    rep[c * width + width - 1] -= a * mu;
  });
  return rep;
}

function estimateCell(
  prep: PreparedPanel,
  g: number,
  tt: number,
  pret: number,
  options: CellOptions,
): CellAtt & { problem?: string; trimmed?: number } {
  const member = membership(prep, g, tt, pret, options.anticipation);
  const covariates = prep.covariates && prep.covariates.length > 0 ? prep.covariates : null;
  if (covariates)
    return conditionalAtt(
      prep.y,
      prep.tlist.length,
      member,
      tt,
      pret,
      covariates,
      options.estMethod,
      prep.balanced ? 'panel' : 'rc',
    );
  if (!prep.balanced) return unconditionalUnbalancedAtt(prep.y, prep.tlist.length, member, tt, pret);
  return unconditionalPanelAtt(prep.y, prep.tlist.length, member, tt, pret);
}
