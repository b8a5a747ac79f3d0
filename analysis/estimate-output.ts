/**
 * What `pilot estimate` shows: the JSON document (--json) and the readable table, with the rows
 * dropped for missing values, the arms, randomization inference and joint tests. Pure.
 */
import type { EstimationColumns } from './csv-columns.ts';
import type { RandomizationSummary } from './estimate-request.ts';
import type { WaldTest } from './linear-hypothesis.ts';
import type { EstimateResult, EstimatorWarning } from './types.ts';

export interface Dropped {
  outcome: number;
  covariates: number;
  byColumn: { column: string; rows: number }[];
  firstLines: number[];
  warning: EstimatorWarning | null;
}

/** Rows dropped for a missing value (as estimatr's na.omit), with a warning that counts them and names the first lines. */
export function droppedRows(
  columns: EstimationColumns,
  run: { droppedMissingCovariates: number; droppedCovariateLines: number[] },
  o: { covariates: readonly string[] },
): Dropped {
  const byColumn = [...columns.dropped.byColumn];
  if (run.droppedMissingCovariates > 0)
    byColumn.push({ column: `covariates (${o.covariates.join(', ')})`, rows: run.droppedMissingCovariates });
  const total = columns.dropped.rows + run.droppedMissingCovariates;
  const firstLines = [...columns.dropped.firstLines, ...run.droppedCovariateLines]
    .sort((a, b) => a - b)
    .slice(0, 5);
  const warning: EstimatorWarning | null =
    total === 0
      ? null
      : {
          code: 'rows-dropped-missing',
          message: `${total} row${total > 1 ? 's' : ''} with a missing value ${total > 1 ? 'were' : 'was'} dropped, as estimatr does (${byColumn.map((c) => `${c.column}: ${c.rows}`).join('; ')}); first at line${firstLines.length > 1 ? 's' : ''} ${firstLines.join(', ')}.`,
          details: { rows: total, byColumn, firstLines },
        };
  return {
    outcome: columns.droppedMissingOutcome,
    covariates: run.droppedMissingCovariates,
    byColumn,
    firstLines,
    warning,
  };
}

export function armsJson(arms: EstimationColumns['arms']) {
  if (!arms) return {};
  return {
    arms: {
      reference: arms.labels[0],
      compared: arms.labels.slice(1),
      rows_in_other_arms: arms.rowsInOtherArms,
    },
  };
}

export function armsLine(arms: EstimationColumns['arms']): string[] {
  if (!arms) return [];
  const other = arms.rowsInOtherArms > 0 ? `; ${arms.rowsInOtherArms} rows of other arms left out` : '';
  return [
    '',
    `arms: ${arms.labels.slice(1).join(', ')} compared with the reference ${arms.labels[0]}${other}`,
  ];
}

export function jointJson(t: WaldTest | null) {
  if (!t) return {};
  return {
    joint_test: {
      terms: t.terms,
      f_statistic: t.statistic,
      num_df: t.numDf,
      den_df: t.denDf,
      p_value: t.pValue,
    },
  };
}

export function jointLine(t: WaldTest | null, seType: string): string[] {
  if (!t) return [];
  return [
    '',
    `joint test that ${t.terms.join(', ')} are all zero (Wald, ${seType}): F = ${Number(t.statistic.toPrecision(7))} on ${t.numDf} and ${t.denDf} df, p = ${Number(t.pValue.toPrecision(4))}`,
  ];
}

export function toJson(
  file: string,
  r: EstimateResult,
  dropped: Dropped,
  ri: RandomizationSummary | null,
  pAdjust: string | undefined,
) {
  return {
    file,
    design: r.design,
    se_type: r.seType,
    n: r.n,
    n_treatment: r.nTreatment,
    n_control: r.nControl,
    n_blocks: r.nBlocks,
    n_clusters: r.nClusters,
    dropped_missing_outcome: dropped.outcome,
    dropped_missing_covariates: dropped.covariates,
    dropped_missing: dropped.byColumn.map((c) => ({ column: c.column, rows: c.rows })),
    terms: r.terms.map((t) => ({
      term: t.term,
      estimate: t.estimate,
      std_error: t.stdError,
      statistic: t.statistic,
      df: t.df,
      p_value: t.pValue,
      conf_low: t.confLow,
      conf_high: t.confHigh,
      ...(t.pValueAdjusted === undefined ? {} : { p_value_adjusted: t.pValueAdjusted }),
    })),
    ...(r.terms.some((t) => t.pValueAdjusted !== undefined) ? { p_adjust: pAdjust } : {}),
    warnings: r.warnings.map((w) => ({ code: w.code, message: w.message })),
    ...(r.firstStage
      ? {
          first_stage: {
            f_statistic: r.firstStage.value,
            num_df: r.firstStage.numDf,
            den_df: r.firstStage.denDf,
            p_value: r.firstStage.pValue,
          },
        }
      : {}),
    ...(ri
      ? {
          randomization_inference: {
            term: ri.term,
            exact: ri.exact,
            assignments: ri.assignments,
            blocks_from: ri.blocksFrom,
            seed: ri.seed,
            p_value: ri.pValue,
            p_value_kind: ri.pValueKind,
            as_extreme: ri.asExtreme,
            conf_low: ri.confLow,
            conf_high: ri.confHigh,
          },
        }
      : {}),
  };
}

export function toTable(
  r: EstimateResult,
  dropped: Dropped,
  ri: RandomizationSummary | null,
  pAdjust: string | undefined,
): string {
  const fmt = (x: number) =>
    Number.isFinite(x)
      ? Math.abs(x) < 1e-4 && x !== 0
        ? x.toExponential(3)
        : String(Number(x.toPrecision(7)))
      : String(x);
  const header = ['term', 'estimate', 'std.error', 'statistic', 'df', 'p.value', 'conf.low', 'conf.high'];
  const body = r.terms.map((t) => [
    t.term,
    ...[t.estimate, t.stdError, t.statistic, t.df, t.pValue, t.confLow, t.confHigh].map(fmt),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((row) => row[k].length)));
  const line = (cells: string[]) =>
    cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  const arms = r.nTreatment === null ? '' : ` (${r.nTreatment} treated, ${r.nControl} control)`;
  const groups = [
    r.nBlocks === null ? '' : `, ${r.nBlocks} blocks`,
    r.nClusters === null ? '' : `, ${r.nClusters} clusters`,
  ].join('');
  const out = [
    `${r.design}; standard errors ${r.seType}; n = ${r.n}${arms}${groups}`,
    `rows dropped: ${dropped.outcome} with a missing outcome${dropped.covariates ? `, ${dropped.covariates} with a missing covariate` : ''}`,
    '',
    line(header),
    ...body.map(line),
  ];
  const adjusted = r.terms.filter((t) => t.pValueAdjusted !== undefined);
  if (adjusted.length > 0)
    out.push(
      '',
      `p-values adjusted for ${adjusted.length} comparisons (${pAdjust}): ${adjusted.map((t) => `${t.term} ${fmt(t.pValueAdjusted!)}`).join(', ')}`,
    );
  if (r.firstStage)
    out.push(
      '',
      `first-stage F = ${fmt(r.firstStage.value)} on ${r.firstStage.numDf} and ${fmt(r.firstStage.denDf)} df (p = ${fmt(r.firstStage.pValue)})`,
    );
  if (ri) {
    const within =
      ri.blocksFrom === 'fixed-effects'
        ? ' within the levels of the absorbed fixed effect'
        : ri.blocksFrom === 'blocks'
          ? ' within blocks'
          : '';
    const how = ri.exact
      ? `exact, all ${ri.assignments} assignments${within}`
      : `${ri.assignments} draws${within}, seed ${ri.seed}|ri|j`;
    const p = ri.exact
      ? `p = ${fmt(ri.pValue)} (${ri.asExtreme} of ${ri.assignments} as extreme)`
      : `p = ${fmt(ri.pValue)} (Phipson-Smyth (${ri.asExtreme} + 1) / (${ri.assignments} + 1))`;
    out.push(
      '',
      `randomization inference on ${ri.term} (${how}): ${p}, interval [${fmt(ri.confLow)}, ${fmt(ri.confHigh)}]`,
    );
  }
  for (const w of r.warnings) out.push(`warning (${w.code}): ${w.message}`);
  return out.join('\n');
}
