/**
 * The report model: report.json's content (DESIGN.md §7; snake_case, canonical JSON when written) as
 * a pure function of the report inputs. HTML, CSV and charts are renderings of it.
 */
import { outcomeDefinitions, OUTCOME_LABELS } from '../analysis/outcome-definitions.ts';
import type { AnalysisTable } from '../analysis/analysis-table.ts';
import {
  attendanceByMonth,
  attritionSection,
  balanceSection,
  disaggregationSection,
  flowSection,
} from './descriptive-sections.ts';
import { eventStudySection } from './event-study-section.ts';
import { estimatesSection, type EstimateRow } from './estimates-section.ts';
import type { ReportInputs } from './report-inputs.ts';
import { SUPPRESSION_RULES_VERSION } from './suppression.ts';

export const REPORT_VERSION = 'pilot-report-v1';

export type ReportModel = ReturnType<typeof assemble>;

/** report.json's content and the analysis tables behind its estimates. */
export function buildReport(inputs: ReportInputs): { report: ReportModel; tables: AnalysisTable[] } {
  const est = estimatesSection(inputs);
  return { report: assemble(inputs, est), tables: est.tables };
}

function assemble(inputs: ReportInputs, est: ReturnType<typeof estimatesSection>) {
  const flow = flowSection(inputs);
  const events = eventStudySection(inputs);
  const { plan } = inputs;
  return {
    report_version: REPORT_VERSION,
    manifest: {
      platform_version: inputs.platformVersion,
      algorithm: inputs.study.algorithm,
      seed_commitment: inputs.study.seedCommitment,
      seed: inputs.study.seed,
      plan_version: inputs.planVersion,
      plan_sha256: inputs.planSha256,
      roster_sha256: inputs.randomization.rosterSha256,
      assignment_sha256: inputs.randomization.assignmentSha256,
      imports_sha256: inputs.data.importsSha256,
      attendance_sha256: inputs.data.attendanceSha256,
      as_of: inputs.data.lastAttendanceDate,
      outcome_definitions_version: outcomeDefinitions(plan.chronic_absence).version,
      suppression_rules_version: SUPPRESSION_RULES_VERSION,
    },
    study: {
      slug: inputs.study.slug,
      name: inputs.study.name,
      unit: inputs.study.unit,
      arms: inputs.study.arms,
    },
    plan: { version: inputs.planVersion, locked: inputs.planLocked, body: plan },
    outcome_definitions: outcomeDefinitions(plan.chronic_absence),
    headline: headline(inputs, est.estimates),
    flow,
    balance: balanceSection(inputs),
    attrition: attritionSection(inputs, flow),
    estimates: est.estimates,
    heterogeneity: est.heterogeneity,
    mde: est.mde,
    cost_effectiveness: est.cost_effectiveness,
    disaggregation: disaggregationSection(inputs, inputs.students),
    attendance_by_month: attendanceByMonth(inputs),
    event_study: events.rows,
    event_study_models: events.models,
    fidelity: fidelitySection(inputs),
    notes: notes(inputs, est.tables),
  };
}

function fidelitySection(inputs: ReportInputs) {
  const o = inputs.outreach;
  if (!o)
    return {
      available: false,
      cace_definition: 'at least one delivered message',
      by_month_arm: [],
      visits_by_month_arm: [],
      reached: [],
      contaminated_students: 0,
      note: 'no message records or home visits for this study: delivery (and so the CACE) cannot be reported',
    };
  const reached = o.messages
    ? inputs.study.arms.map(({ name }) => {
        const members = inputs.students.filter((s) => s.arm === name);
        const got = members.filter((s) => s.received === 1).length;
        return {
          arm: name,
          students: members.length,
          reached: got,
          share: members.length ? got / members.length : null,
        };
      })
    : [];
  return {
    available: true,
    cace_definition: o.caceDefinition,
    by_month_arm: o.byMonthArm.map((r) => ({
      month: r.month,
      arm: r.arm,
      students_eligible: r.studentsEligible,
      students_messaged: r.studentsMessaged,
      generated: r.generated,
      delivered: r.delivered,
      failed: r.failed,
      opted_out: r.optedOut,
    })),
    visits_by_month_arm: o.visitsByMonthArm.map((v) => ({ ...v })),
    reached,
    contaminated_students: o.contaminatedStudents,
    note: o.messages
      ? `delivery from ${o.source}; reached (the CACE's receipt) = ${o.caceDefinition}`
      : 'home visits only: no message records, so no CACE (its definition is at least one delivered message)',
  };
}

function notes(inputs: ReportInputs, tables: AnalysisTable[]): string[] {
  const out: string[] = [];
  if (!inputs.planLocked)
    out.push(
      `analysis plan version ${inputs.planVersion} is not locked: every estimate is labelled exploratory`,
    );
  for (const t of tables)
    if (t.droppedSingleArmBlocks > 0)
      out.push(
        `${t.contrast.treatment} vs ${t.contrast.control}: ${t.droppedSingleArmBlocks} students in blocks holding only one of the two arms are left out`,
      );
  out.push(
    `joint heterogeneity tests: the plan's Lin model with the subgroup added as a categorical covariate; Wald F test that every treatment × subgroup interaction is zero, with the plan's ${inputs.plan.estimator.cluster === 'none' ? 'robust' : `${inputs.plan.estimator.se_type} clustered`} covariance on (interactions, ${inputs.plan.estimator.cluster === 'none' ? 'n − rank' : 'clusters − 1'}) df, as pilot estimate --test`,
  );
  return out;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const monthName = (date: string) => `${MONTHS[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;
const round = (x: number, d: number) => (Math.round(x * 10 ** d) / 10 ** d).toFixed(d);

/** The headline in plain words, from the first primary ITT of the first contrast. */
export function headline(inputs: ReportInputs, estimates: EstimateRow[]): string {
  const primary = estimates.find((e) => e.role === 'primary' && e.estimand === 'ITT' && e.subgroup === null);
  const { start, end } = inputs.plan.window;
  const when = `between ${monthName(start)} and ${monthName(end)}`;
  if (!primary || primary.estimate === null) return `No effect could be estimated ${when}.`;
  const arm = primary.contrast.split(' vs ')[0];
  const who = `Students whose families were assigned to "${arm}"`;
  const e = primary.estimate;
  const pct = primary.percent_of_control_mean;
  const size = pct === null ? '' : `, about ${round(Math.abs(pct), 1)} %`;
  const significance =
    primary.p_value !== null && primary.p_value < inputs.plan.alpha
      ? ''
      : ' The difference is not statistically significant: it could be chance.';
  const ci = `(95 % confidence interval ${round(primary.conf_low!, 2)} to ${round(primary.conf_high!, 2)})`;
  if (primary.outcome === 'absence_days')
    return `${who} missed ${round(Math.abs(e), 2)} ${e <= 0 ? 'fewer' : 'more'} days${size}, ${when} ${ci}.${significance}`;
  const label = OUTCOME_LABELS[primary.outcome];
  return `${who} differed in ${label} by ${round(e, 4)}${size}, ${when} ${ci}.${significance}`;
}
