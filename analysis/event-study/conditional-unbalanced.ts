/**
 * ATT(g,t) with covariates on an unbalanced panel, as did does with allow_unbalanced_panel: the
 * rows of treated and comparison units observed in t or in the base period b go to the
 * repeated-cross-section estimators (doubly-robust-rc.ts); each row's influence function is scaled
 * by n_units / n_rows and summed within its unit.
 */
import type { CsEstMethod } from './cs-types.ts';
import type { CellAtt } from './two-by-two.ts';
import { twoByTwoRc } from './doubly-robust-rc.ts';

/** ATT(g,t) with covariates on an unbalanced panel: rows of treated and comparison units observed in t or b. */
export function conditionalUnbalancedAtt(
  y: Float64Array,
  nT: number,
  member: Uint8Array,
  tt: number,
  pret: number,
  covariates: Float64Array[],
  method: CsEstMethod,
): CellAtt & { problem?: string } {
  const n = member.length;
  const k = covariates.length + 1;
  const unitOf: number[] = [];
  const yy: number[] = [];
  const post: number[] = [];
  for (let i = 0; i < n; i++) {
    if (member[i] === 0) continue;
    for (const [p, isPost] of [
      [tt, 1],
      [pret, 0],
    ] as const) {
      const v = y[i * nT + p];
      if (Number.isNaN(v)) continue;
      unitOf.push(i);
      yy.push(v);
      post.push(isPost);
    }
  }
  const rowsN = yy.length;
  const d = Uint8Array.from(unitOf, (i) => (member[i] === 1 ? 1 : 0));
  const x = new Float64Array(rowsN * k);
  unitOf.forEach((i, r) => {
    x[r * k] = 1;
    covariates.forEach((c, j) => (x[r * k + j + 1] = c[i]));
  });
  const inf = new Float64Array(n);
  const nTreated = new Set(unitOf.filter((i) => member[i] === 1)).size;
  const nControl = new Set(unitOf.filter((i) => member[i] === 2)).size;
  const postArr = Uint8Array.from(post);
  const cellsOk = [1, 0].every((dd) => [1, 0].every((pp) => d.some((v, r) => v === dd && postArr[r] === pp)));
  if (!cellsOk) return { att: Number.NaN, inf, nTreated, nControl };
  const out = twoByTwoRc({ y: Float64Array.from(yy), post: postArr, d, x, k }, method);
  if (!out.ok) return { att: Number.NaN, inf, nTreated, nControl, problem: out.reason };
  const s = n / rowsN;
  unitOf.forEach((i, r) => (inf[i] += s * out.inf[r]));
  return { att: out.att, inf, nTreated, nControl };
}
