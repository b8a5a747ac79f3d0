/**
 * The district partner's report (issue 13 §4): that district's own results and the pooled study
 * estimate, with DESIGN.md §7's small-cell suppression on every count and share, no effect for fewer
 * than 10 students per arm, and no student-level rows. Pure.
 */
import { planContrasts, type OutcomeName } from '../analysis/analysis-plan.ts';
import { tableWhere, withoutSingleArmBlocks } from '../analysis/analysis-table.ts';
import { outcomeDefinitions } from '../analysis/outcome-definitions.ts';
import { effectTerm, estimateOnTable, type TableEstimate } from '../analysis/table-estimate.ts';
import { DIMENSIONS, disaggregationSection } from './descriptive-sections.ts';
import { contrastName } from './estimates-section.ts';
import { disaggregationHtml } from './analysis-html.ts';
import { pooledFit, pooledTable } from './fit-cache.ts';
import { esc, fmt, outcomeLabel, page, pValue, table } from './render-html.ts';
import type { ReportInputs } from './report-inputs.ts';
import { effectShown, showCount, MIN_CELL, SUPPRESSION_RULES_VERSION } from './suppression.ts';

export const DISTRICT_REPORT_VERSION = 'pilot-district-report-v1';

export interface DistrictEstimate {
  scope: 'district' | 'study';
  outcome: OutcomeName;
  contrast: string;
  estimate: number | null;
  std_error: number | null;
  p_value: number | null;
  conf_low: number | null;
  conf_high: number | null;
  students_treatment: string;
  students_control: string;
  control_mean: number | null;
  note: string | null;
}

function countArms(cells: readonly string[][], outcome: string) {
  const y = cells[0].indexOf(outcome);
  const t = cells[0].indexOf('treatment');
  let nt = 0;
  let nc = 0;
  let sumC = 0;
  for (const r of cells.slice(1)) {
    if (r[y] === 'NA') continue;
    if (r[t] === '1') {
      nt++;
      continue;
    }
    nc++;
    sumC += Number(r[y]);
  }
  return { nt, nc, controlMean: nc ? sumC / nc : null };
}

function estimate(
  scope: DistrictEstimate['scope'],
  cells: readonly string[][],
  outcome: OutcomeName,
  contrast: string,
  inputs: ReportInputs,
  /** the fit of these cells already made (the pooled study's, from fit-cache.ts) */
  fitted?: () => TableEstimate,
): DistrictEstimate {
  const { nt, nc, controlMean } = countArms(cells, outcome);
  const base: DistrictEstimate = {
    scope,
    outcome,
    contrast,
    estimate: null,
    std_error: null,
    p_value: null,
    conf_low: null,
    conf_high: null,
    students_treatment: showCount(nt).text,
    students_control: showCount(nc).text,
    control_mean: null,
    note: null,
  };
  if (!effectShown(nt, nc)) return { ...base, note: `not shown: fewer than ${MIN_CELL} students in an arm` };
  const fit = fitted ? fitted() : estimateOnTable(cells, outcome, inputs.plan);
  if (!fit.ok) return { ...base, note: `not estimated: ${fit.reason}` };
  const t = effectTerm(fit.result);
  return {
    ...base,
    estimate: t.estimate,
    std_error: t.stdError,
    p_value: t.pValue,
    conf_low: t.confLow,
    conf_high: t.confHigh,
    control_mean: controlMean,
  };
}

/**
 * A district's partner report. The pooled study's tables and fits come from fit-cache.ts: computed
 * once per load of the inputs, shared by every district's report and by the analysis report.
 */
export function buildDistrictReport(
  inputs: ReportInputs,
  district: { leaid: string; name: string; state: string },
) {
  const outcomes = [...inputs.plan.outcomes.primary, ...inputs.plan.outcomes.secondary];
  const estimates: DistrictEstimate[] = [];
  for (const c of planContrasts(
    inputs.plan,
    inputs.study.arms.map((a) => a.name),
  )) {
    const name = contrastName(c);
    const full = pooledTable(inputs, c);
    const mine = withoutSingleArmBlocks(tableWhere(full.cells, 'district', district.leaid)).cells;
    for (const o of outcomes) {
      estimates.push(estimate('district', mine, o, name, inputs));
      estimates.push(estimate('study', full.cells, o, name, inputs, () => pooledFit(inputs, c, o)));
    }
  }
  const students = inputs.students.filter((s) => s.districtLeaid === district.leaid);
  const disaggregation = disaggregationSection(inputs, students).filter((d) => d.dimension !== 'district');
  const flow = inputs.study.arms.map(({ name }) => {
    const members = students.filter((s) => s.arm === name);
    return {
      arm: name,
      randomized: showCount(members.length).text,
      enrolled: showCount(members.filter((s) => s.enrolledDays > 0).length).text,
    };
  });
  const primary = estimates.find((e) => e.outcome === inputs.plan.outcomes.primary[0]);
  const pooled = estimates.find((e) => e.scope === 'study' && e.outcome === inputs.plan.outcomes.primary[0]);
  return {
    report_version: DISTRICT_REPORT_VERSION,
    manifest: {
      platform_version: inputs.platformVersion,
      plan_version: inputs.planVersion,
      plan_sha256: inputs.planSha256,
      assignment_sha256: inputs.randomization.assignmentSha256,
      imports_sha256: inputs.data.importsSha256,
      attendance_sha256: inputs.data.attendanceSha256,
      as_of: inputs.data.lastAttendanceDate,
      suppression_rules_version: SUPPRESSION_RULES_VERSION,
      district_leaid: district.leaid,
    },
    study: { slug: inputs.study.slug, name: inputs.study.name },
    district,
    plan_locked: inputs.planLocked,
    window: inputs.plan.window,
    headline: districtHeadline(district.name, primary, pooled),
    flow,
    estimates,
    disaggregation,
    dimensions: DIMENSIONS.map((d) => d.name).filter((d) => d !== 'district'),
    outcome_definitions: outcomeDefinitions(inputs.plan.chronic_absence),
    suppression: `counts of 1–9 students are shown as "<10"; "*" marks a cell masked so that a small cell cannot be worked back from a total; shares are not shown for fewer than ${MIN_CELL} students and are coded ≤5 % / ≥95 % at the extremes; no effect is shown for fewer than ${MIN_CELL} students in an arm; no student-level rows`,
  };
}

function districtHeadline(
  name: string,
  mine: DistrictEstimate | undefined,
  pooled: DistrictEstimate | undefined,
): string {
  const say = (e: DistrictEstimate | undefined) =>
    e?.estimate == null
      ? 'could not be shown'
      : `was ${fmt(e.estimate, 2)} (95 % interval ${fmt(e.conf_low, 2)} to ${fmt(e.conf_high, 2)})`;
  const what = mine ? outcomeLabel(mine.outcome) : 'the primary outcome';
  return `In ${name}, the effect on ${what} ${say(mine)}; across all districts of the study it ${say(pooled)}.`;
}

export function renderDistrictHtml(m: ReturnType<typeof buildDistrictReport>): string {
  const est = table(
    'Effects in this district and in the whole study (intention to treat)',
    [
      { header: 'outcome', value: (e: DistrictEstimate) => outcomeLabel(e.outcome) },
      { header: 'where', value: (e) => (e.scope === 'district' ? 'this district' : 'whole study') },
      { header: 'comparison', value: (e) => e.contrast },
      { header: 'effect', value: (e) => fmt(e.estimate), numeric: true },
      {
        header: '95 % interval',
        value: (e) => (e.estimate === null ? '—' : `${fmt(e.conf_low)} to ${fmt(e.conf_high)}`),
      },
      { header: 'p', value: (e) => pValue(e.p_value), numeric: true },
      { header: 'students (T / C)', value: (e) => `${e.students_treatment} / ${e.students_control}` },
      { header: 'note', value: (e) => e.note ?? '' },
    ],
    m.estimates,
  );
  const flow = table(
    'Students of this district by arm',
    [
      { header: 'arm', value: (f: (typeof m.flow)[number]) => f.arm },
      { header: 'randomized', value: (f) => f.randomized, numeric: true },
      { header: 'enrolled in the window', value: (f) => f.enrolled, numeric: true },
    ],
    m.flow,
  );
  const defs = Object.entries(m.outcome_definitions.definitions)
    .map(([k, v]) => `<dt>${esc(outcomeLabel(k))}</dt><dd>${esc(v)}</dd>`)
    .join('');
  return page(`${m.district.name} (${m.district.leaid}): ${m.study.name}`, m.headline, [
    { id: 'results', heading: 'Results', html: est },
    { id: 'students', heading: 'Students', html: flow },
    { id: 'groups', heading: 'Attendance by group', html: disaggregationHtml(m) },
    {
      id: 'about',
      heading: 'About these numbers',
      html: `<p>${esc(m.suppression)}.</p><p>Window ${esc(m.window.start)} to ${esc(m.window.end)}; analysis plan version ${m.manifest.plan_version}${m.plan_locked ? ' (locked)' : ' (not locked: exploratory)'}.</p><dl>${defs}</dl>`,
    },
  ]);
}
