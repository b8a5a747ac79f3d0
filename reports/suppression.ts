/**
 * Small-cell suppression of published tables (DESIGN.md §7; SECURITY.md): a count of 1–9 students is
 * shown as "<10"; a percentage is coded "≤5%" / "≥95%" at the extremes and not shown at all for fewer
 * than 10 students; where exactly one cell of a group whose total is shown is masked, the smallest other
 * shown non-zero cell is masked too (complementary suppression), so no masked cell can be worked back
 * from the total; no effect estimate is shown for fewer than 10 students in either arm. Pure.
 */

/** Fewest students a published number may describe. */
export const MIN_CELL = 10;

export const SUPPRESSION_RULES_VERSION = 'pilot-suppression-v1';

export type SuppressionReason = 'small_count' | 'complementary' | 'small_group';

/** A published cell: its text, and why it is masked (null when shown as is). */
export interface ShownCell {
  text: string;
  suppressed: SuppressionReason | null;
}

/**
 * A count as published: 0 and counts of 10 or more as they are, 1–9 as "<10".
 *
 * @example showCount(0).text // '0'; showCount(9).text // '<10'; showCount(10).text // '10'
 */
export function showCount(n: number): ShownCell {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`a count must be a whole number ≥ 0, not ${n}`);
  if (n > 0 && n < MIN_CELL) return { text: `<${MIN_CELL}`, suppressed: 'small_count' };
  return { text: String(n), suppressed: null };
}

/**
 * A proportion (0–1) of a group of `n` students as a percentage with one decimal: not shown for fewer
 * than 10 students; coded "≤5%" or "≥95%" at the extremes.
 *
 * @example showPercent(0.031, 40).text // '≤5%'; showPercent(0.5, 9).text // '—'
 */
export function showPercent(p: number | null, n: number): ShownCell {
  if (n < MIN_CELL || p === null || !Number.isFinite(p)) return { text: '—', suppressed: 'small_group' };
  if (p <= 0.05) return { text: '≤5%', suppressed: null };
  if (p >= 0.95) return { text: '≥95%', suppressed: null };
  return { text: `${(Math.round(p * 1000) / 10).toFixed(1)}%`, suppressed: null };
}

/**
 * Counts of one group of cells (the levels of a variable within an arm, say) whose total is also
 * published, with primary and complementary suppression: after masking every count of 1–9, if the
 * masked cells of the group could be summed back from the total (exactly one masked cell), the smallest
 * shown non-zero cell is masked too; a masked total masks nothing further (nothing to work back from).
 *
 * @example showCountGroup([25, 3, 40]).cells.map((c) => c.text) // ['*', '<10', '40']: the 3 could
 *   be worked back from the total 68, so the smallest other cell is masked as well
 */
export function showCountGroup(counts: readonly number[]): { cells: ShownCell[]; total: ShownCell } {
  const cells = counts.map(showCount);
  const total = showCount(counts.reduce((s, c) => s + c, 0));
  const masked = cells.filter((c) => c.suppressed !== null).length;
  if (total.suppressed === null && masked === 1) {
    let pick = -1;
    for (let k = 0; k < counts.length; k++) {
      if (cells[k].suppressed !== null || counts[k] === 0) continue;
      if (pick < 0 || counts[k] < counts[pick]) pick = k;
    }
    if (pick >= 0) cells[pick] = { text: '*', suppressed: 'complementary' };
    else return { cells, total: { text: '*', suppressed: 'complementary' } };
  }
  return { cells, total };
}

/** Whether an effect estimate may be shown for a cell: at least 10 students in each arm. */
export function effectShown(nTreatment: number, nControl: number): boolean {
  return nTreatment >= MIN_CELL && nControl >= MIN_CELL;
}
