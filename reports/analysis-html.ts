/**
 * The study report page (report.html) from the report model: headline, results, charts, subgroups,
 * flow, attrition, balance, disaggregation (suppressed) and the manifest.
 */
import { reportCharts } from './charts.ts';
import type { EstimateRow } from './estimates-section.ts';
import { esc, figure, fmt, outcomeLabel, page, pValue, table, type Column } from './render-html.ts';
import type { ReportModel } from './report-model.ts';
import { renderSvg } from './render-svg.ts';

export const estimateColumns: Column<EstimateRow>[] = [
  { header: 'outcome', value: (e) => outcomeLabel(e.outcome) },
  { header: 'estimand', value: (e) => e.estimand },
  { header: 'comparison', value: (e) => e.contrast },
  { header: 'effect', value: (e) => fmt(e.estimate), numeric: true },
  {
    header: '95 % interval',
    value: (e) => (e.estimate === null ? '—' : `${fmt(e.conf_low)} to ${fmt(e.conf_high)}`),
  },
  { header: 'std. error', value: (e) => fmt(e.std_error), numeric: true },
  { header: 'p', value: (e) => pValue(e.p_value), numeric: true },
  { header: 'adjusted p', value: (e) => pValue(e.p_value_adjusted), numeric: true },
  { header: 'control mean', value: (e) => fmt(e.control_mean), numeric: true },
  { header: '% of control mean', value: (e) => fmt(e.percent_of_control_mean, 1), numeric: true },
  { header: 'students (T / C)', value: (e) => `${e.n_treatment} / ${e.n_control}` },
  { header: 'label', value: (e) => e.label },
];

export async function renderAnalysisHtml(r: ReportModel): Promise<string> {
  const charts = reportCharts(r);
  const figures: string[] = [];
  for (const c of charts) figures.push(figure(c.id, c.title, c.description, await renderSvg(c)));
  const overall = r.estimates.filter((e) => e.subgroup === null);
  const subgroups = r.estimates.filter((e) => e.subgroup !== null);
  const sections = [
    {
      id: 'results',
      heading: 'Main results',
      html: [
        table(
          'Effects of assignment (ITT) and of receipt (CACE), by outcome and comparison',
          estimateColumns,
          overall,
        ),
        `<p class="note">Effects are differences between arms (treatment minus control) over ${esc(r.plan.body.window.start)} to ${esc(r.plan.body.window.end)}, estimated with ${esc(describeEstimator(r))}. Adjusted p-values: ${esc(r.plan.body.multiple_testing.arm_contrasts)} across arm comparisons, ${esc(r.plan.body.multiple_testing.subgroups)} across subgroups.</p>`,
        r.mde.length
          ? `<p>The smallest effect this design could reliably detect (minimum detectable effect, ${Math.round(r.plan.body.power * 100)} % power, α = ${r.plan.body.alpha}): ${r.mde.map((m) => `${esc(outcomeLabel(m.outcome))} ${fmt(m.mde)} (${esc(m.contrast)})`).join('; ')}.</p>`
          : '',
      ].join('\n'),
    },
    { id: 'charts', heading: 'Charts', html: figures.join('\n') },
    {
      id: 'subgroups',
      heading: 'For whom: subgroups',
      html: [
        table(
          'Subgroup effects (intention to treat)',
          [
            { header: 'subgroup', value: (e: EstimateRow) => `${e.subgroup}: ${e.subgroup_level}` },
            ...estimateColumns.slice(2),
            { header: 'note', value: (e) => e.note ?? '' },
          ],
          subgroups,
        ),
        table(
          'Joint tests that the effect is the same in every level of a subgroup variable',
          [
            { header: 'subgroup', value: (h) => h.subgroup },
            { header: 'outcome', value: (h) => outcomeLabel(h.outcome) },
            { header: 'comparison', value: (h) => h.contrast },
            { header: 'F', value: (h) => fmt(h.statistic), numeric: true },
            {
              header: 'df',
              value: (h) => (h.df === null ? '—' : `${h.df}, ${h.df_denominator}`),
              numeric: true,
            },
            { header: 'p', value: (h) => pValue(h.p_value), numeric: true },
            { header: 'note', value: (h) => h.note ?? '' },
          ],
          r.heterogeneity,
        ),
      ].join('\n'),
    },
    { id: 'event-study', heading: 'Effects over time: event studies', html: eventStudyHtml(r) },
    { id: 'delivery', heading: 'Were the messages delivered?', html: fidelityHtml(r) },
    { id: 'cost', heading: 'Cost per absence averted', html: costHtml(r) },
    { id: 'flow', heading: 'Students randomized, enrolled and analyzed', html: flowHtml(r) },
    { id: 'balance', heading: 'Baseline balance', html: balanceHtml(r) },
    { id: 'disaggregation', heading: 'Attendance by group', html: disaggregationHtml(r) },
    { id: 'definitions', heading: 'Definitions and reproducibility', html: definitionsHtml(r) },
  ];
  return page(r.study.name, r.headline, sections);
}

function describeEstimator(r: ReportModel): string {
  const e = r.plan.body.estimator;
  const adj =
    e.method === 'lin'
      ? `Lin covariate adjustment for ${e.covariates.join(', ') || 'no covariates'}${e.block_indicators ? ' with block indicators' : ''}`
      : 'the blocked difference in means';
  const cl = e.cluster === 'none' ? '' : `, ${e.se_type} standard errors clustered by ${e.cluster}`;
  return adj + cl;
}

function fidelityHtml(r: ReportModel): string {
  const f = r.fidelity;
  if (!f.available) return `<p>${esc(f.note)}</p>`;
  const parts: string[] = [];
  if (f.reached.length)
    parts.push(
      table(
        `Students reached (${f.cace_definition}), by arm`,
        [
          { header: 'arm', value: (x: (typeof f.reached)[number]) => x.arm },
          { header: 'students', value: (x) => String(x.students), numeric: true },
          { header: 'reached', value: (x) => String(x.reached), numeric: true },
          {
            header: 'share',
            value: (x) => (x.share === null ? '—' : `${fmt(100 * x.share, 1)} %`),
            numeric: true,
          },
        ],
        f.reached,
      ),
    );
  if (f.by_month_arm.length)
    parts.push(
      table(
        'Messages by month and arm',
        [
          { header: 'month', value: (x: (typeof f.by_month_arm)[number]) => x.month },
          { header: 'arm', value: (x) => x.arm },
          { header: 'students eligible', value: (x) => String(x.students_eligible), numeric: true },
          { header: 'students messaged', value: (x) => String(x.students_messaged), numeric: true },
          { header: 'generated', value: (x) => String(x.generated), numeric: true },
          { header: 'delivered', value: (x) => String(x.delivered), numeric: true },
          { header: 'failed', value: (x) => String(x.failed), numeric: true },
          { header: 'opted out', value: (x) => String(x.opted_out), numeric: true },
        ],
        f.by_month_arm,
      ),
    );
  if (f.visits_by_month_arm.length)
    parts.push(
      table(
        'Home visits by month, arm and modality',
        [
          { header: 'month', value: (x: (typeof f.visits_by_month_arm)[number]) => x.month },
          { header: 'arm', value: (x) => x.arm },
          { header: 'modality', value: (x) => x.modality },
          { header: 'visits', value: (x) => String(x.visits), numeric: true },
          { header: 'students', value: (x) => String(x.students), numeric: true },
        ],
        f.visits_by_month_arm,
      ),
    );
  parts.push(
    `<p class="note">${esc(f.note)}. Control students contacted: ${f.contaminated_students}${f.contaminated_students ? ' — <strong>contamination</strong>' : ' (none)'}.</p>`,
  );
  return parts.join('\n');
}

function eventStudyHtml(r: ReportModel): string {
  const monthly = r.event_study.filter((x) => x.source === 'monthly_itt');
  const parts = [
    table(
      'Effect on the attendance rate month by month (intention to treat, the planned estimator on each month)',
      [
        { header: 'comparison', value: (x: (typeof monthly)[number]) => x.contrast ?? '' },
        { header: 'month', value: (x) => x.month ?? '' },
        { header: 'effect', value: (x) => fmt(x.estimate), numeric: true },
        {
          header: '95 % interval',
          value: (x) => (x.estimate === null ? '—' : `${fmt(x.conf_low)} to ${fmt(x.conf_high)}`),
        },
        { header: 'students', value: (x) => String(x.n ?? '—'), numeric: true },
        { header: 'note', value: (x) => x.note ?? '' },
      ],
      monthly,
    ),
  ];
  if (r.event_study_models.length === 0) {
    parts.push(
      '<p class="note">No home visits are recorded and no event study has been run on this study (pilot event-study --study), so only the monthly effects are shown.</p>',
    );
    return parts.join('\n');
  }
  parts.push(
    table(
      'Event studies: overall effect and pre-trend test of each curve',
      [
        {
          header: 'curve',
          value: (m: ReportModel['event_study_models'][number]) =>
            m.source === 'first_visit' ? 'home visits (first visit)' : `stored run ${m.run_id}`,
        },
        { header: 'estimator', value: (m) => m.estimator },
        { header: 'start', value: (m) => m.start },
        { header: 'outcome', value: (m) => m.outcome.replace(/_/g, ' ') },
        { header: 'controls', value: (m) => m.control ?? '—' },
        { header: 'students', value: (m) => String(m.n_units ?? '—'), numeric: true },
        { header: 'overall effect', value: (m) => fmt(m.overall?.estimate), numeric: true },
        {
          header: '95 % interval',
          value: (m) =>
            m.overall?.estimate == null ? '—' : `${fmt(m.overall.conf_low)} to ${fmt(m.overall.conf_high)}`,
        },
        { header: 'pre-trend p', value: (m) => pValue(m.pretrend_p_value), numeric: true },
        { header: 'note', value: (m) => [m.note, ...m.warnings].filter(Boolean).join('; ') },
      ],
      r.event_study_models,
    ),
  );
  const curves = r.event_study.filter((x) => x.source !== 'monthly_itt');
  parts.push(
    table(
      'Event-study estimates by months since the start (negative months: before the start)',
      [
        {
          header: 'curve',
          value: (x: (typeof curves)[number]) =>
            x.source === 'first_visit' ? 'home visits (first visit)' : `stored run ${x.run_id}`,
        },
        { header: 'estimator', value: (x) => x.estimator },
        { header: 'event time', value: (x) => String(x.event_time), numeric: true },
        { header: 'effect', value: (x) => fmt(x.estimate), numeric: true },
        {
          header: '95 % interval',
          value: (x) => (x.estimate === null ? '—' : `${fmt(x.conf_low)} to ${fmt(x.conf_high)}`),
        },
        {
          header: 'uniform band',
          value: (x) => (x.uniform_low === null ? '—' : `${fmt(x.uniform_low)} to ${fmt(x.uniform_high)}`),
        },
      ],
      curves,
    ),
  );
  parts.push(
    '<p class="note">Callaway–Sant\'Anna compares students whose program started in a month with students not yet (or never) served, month by month; two-way fixed effects (TWFE) is shown beside it because it can be biased when effects grow over time. Both use the attendance rate of each student-month.</p>',
  );
  return parts.join('\n');
}

function costHtml(r: ReportModel): string {
  if (r.cost_effectiveness.length === 0) return '<p>The plan gives no program cost per student.</p>';
  return table(
    'Cost-effectiveness per program arm',
    [
      { header: 'arm', value: (c: ReportModel['cost_effectiveness'][number]) => c.arm },
      { header: 'cost per student ($)', value: (c) => fmt(c.cost_per_student, 2), numeric: true },
      {
        header: 'absences averted per student',
        value: (c) => fmt(c.absences_averted_per_student),
        numeric: true,
      },
      {
        header: 'cost per absence averted ($)',
        value: (c) => fmt(c.cost_per_absence_averted, 2),
        numeric: true,
      },
      {
        header: '95 % interval ($)',
        value: (c) => `${fmt(c.conf_low, 2)} to ${c.conf_high === null ? 'no limit' : fmt(c.conf_high, 2)}`,
      },
      { header: 'note', value: (c) => c.note },
    ],
    r.cost_effectiveness,
  );
}

function flowHtml(r: ReportModel): string {
  const flow = table(
    'CONSORT flow by arm',
    [
      { header: 'arm', value: (f: ReportModel['flow'][number]) => f.arm },
      { header: 'randomized', value: (f) => String(f.randomized), numeric: true },
      { header: 'enrolled in the window', value: (f) => String(f.enrolled), numeric: true },
      { header: 'analyzed', value: (f) => String(f.analyzed), numeric: true },
    ],
    r.flow,
  );
  const a = r.attrition;
  const srm = a.sample_ratio
    ? `<p>Sample-ratio check on the analyzed students: χ² = ${fmt(a.sample_ratio.chi_square)}, p = ${pValue(a.sample_ratio.p_value)}${a.sample_ratio.flagged ? ' — <strong>flagged</strong>: the arms lost students unequally' : ' (not flagged)'}.</p>`
    : '';
  const attr = a.contrasts
    .map((c) =>
      'overall' in c
        ? `<p>${esc(c.contrast)}: overall attrition ${fmt(100 * c.overall!, 1)} %, differential ${fmt(100 * c.differential!, 1)} points; WWC rating ${esc(c.wwc_cautious)} (cautious boundary), ${esc(c.wwc_optimistic)} (optimistic).</p>`
        : `<p>${esc(c.contrast)}: ${esc(c.note)}</p>`,
    )
    .join('\n');
  return [flow, attr, srm].join('\n');
}

function balanceHtml(r: ReportModel): string {
  return table(
    'Baseline characteristics of analyzed students by arm (standardized mean differences; WWC: ≤ 0.05 satisfies, 0.05–0.25 needs adjustment, > 0.25 fails)',
    [
      {
        header: 'characteristic',
        value: (b: ReportModel['balance'][number]) =>
          b.level === null ? b.covariate : `${b.covariate} = ${b.level}`,
      },
      { header: 'comparison', value: (b) => b.contrast },
      { header: 'treatment mean', value: (b) => fmt(b.mean_treatment), numeric: true },
      { header: 'control mean', value: (b) => fmt(b.mean_control), numeric: true },
      { header: 'SMD', value: (b) => fmt(b.smd), numeric: true },
      { header: 'WWC band', value: (b) => b.wwc_band ?? '—' },
    ],
    r.balance,
  );
}

export function disaggregationHtml(r: { disaggregation: ReportModel['disaggregation'] }): string {
  return table(
    'Students, attendance rate and chronic-absence share by arm and group (counts of 1–9 shown as <10; * masked so that a small cell cannot be worked back from the total; — not shown for fewer than 10 students)',
    [
      { header: 'group', value: (d: ReportModel['disaggregation'][number]) => `${d.dimension}: ${d.level}` },
      { header: 'arm', value: (d) => d.arm },
      { header: 'students', value: (d) => d.students, numeric: true },
      { header: 'attendance rate', value: (d) => d.attendance_rate, numeric: true },
      { header: 'chronically absent', value: (d) => d.chronic_absence_share, numeric: true },
    ],
    r.disaggregation,
  );
}

function definitionsHtml(r: ReportModel): string {
  const defs = Object.entries(r.outcome_definitions.definitions)
    .map(([k, v]) => `<dt>${esc(outcomeLabel(k))}</dt><dd>${esc(v)}</dd>`)
    .join('');
  const manifest = Object.entries(r.manifest)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(Array.isArray(v) ? v.join(', ') : v)}</code></dd>`)
    .join('');
  return `<h3>Outcomes (${esc(r.outcome_definitions.version)})</h3><dl>${defs}</dl>
<p>Analysis plan version ${r.plan.version}${r.plan.locked ? ', locked before analysis' : ', <strong>not locked</strong>: every estimate is exploratory'}.</p>
<h3>Manifest</h3><dl>${manifest}</dl>
<ul class="note">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`;
}
