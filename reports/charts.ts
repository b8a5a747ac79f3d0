/**
 * The report's charts as vega-lite specs with their text alternatives, from the report model. Pure:
 * render-svg.ts turns them into inline SVG.
 */
import type { ReportModel } from './report-model.ts';

export interface ChartSpec {
  id: string;
  title: string;
  /** the text alternative: what the chart shows, in words */
  description: string;
  spec: Record<string, unknown>;
}

const WIDTH = 520;
const FONT = { font: 'sans-serif', labelFont: 'sans-serif', titleFont: 'sans-serif' };
const config = {
  font: 'sans-serif',
  axis: { labelFont: FONT.labelFont, titleFont: FONT.titleFont, labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFont: FONT.labelFont, titleFont: FONT.titleFont },
  view: { stroke: null },
};
const pct = (x: number) => `${(Math.round(x * 1000) / 10).toFixed(1)} %`;
const num = (x: number, d = 3) => (Math.round(x * 10 ** d) / 10 ** d).toFixed(d);

/** Every chart the report has data for, in reading order. */
export function reportCharts(r: ReportModel): ChartSpec[] {
  return [
    attendanceChart(r),
    effectByMonthChart(r),
    forestChart(r),
    balanceChart(r),
    ...eventStudyCharts(r),
    fidelityChart(r),
    costChart(r),
  ].filter((c): c is ChartSpec => c !== null);
}

function attendanceChart(r: ReportModel): ChartSpec | null {
  const values = r.attendance_by_month.filter((x) => x.attendance_rate !== null);
  if (values.length === 0) return null;
  const described = r.study.arms
    .map(({ name }) => {
      const mine = values.filter((v) => v.arm === name);
      return `${name}: ${mine.map((v) => `${v.month} ${pct(v.attendance_rate!)}`).join(', ')}`;
    })
    .join('; ');
  return {
    id: 'attendance-by-month',
    title: 'Attendance rate by month and arm',
    description: `Line chart of the mean attendance rate of enrolled students by month, one line per arm. ${described}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      height: 240,
      config,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'month', type: 'ordinal', title: 'month', axis: { labelAngle: 0 } },
        y: {
          field: 'attendance_rate',
          type: 'quantitative',
          title: 'attendance rate',
          axis: { format: '.1%' },
          scale: { zero: false },
        },
        color: { field: 'arm', type: 'nominal', title: 'arm', scale: { scheme: 'dark2' } },
        strokeDash: { field: 'arm', type: 'nominal' },
      },
    },
  };
}

function effectByMonthChart(r: ReportModel): ChartSpec | null {
  const values = r.event_study.filter((x) => x.source === 'monthly_itt' && x.estimate !== null);
  if (values.length === 0) return null;
  const described = values
    .map((v) => `${v.month} ${num(v.estimate!)} (${num(v.conf_low!)} to ${num(v.conf_high!)})`)
    .join('; ');
  return {
    id: 'effect-by-month',
    title: 'Effect on the attendance rate by month, with 95 % confidence intervals',
    description: `Points with interval bars: the estimated effect (intention to treat) on each month's attendance rate, in proportions, ${values[0].contrast}. A dashed line marks no effect. ${described}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      height: 220,
      config,
      data: { values },
      layer: [
        { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { y: { datum: 0 } } },
        {
          mark: 'rule',
          encoding: {
            x: { field: 'month', type: 'ordinal', title: 'month', axis: { labelAngle: 0 } },
            y: { field: 'conf_low', type: 'quantitative', title: 'effect on attendance rate' },
            y2: { field: 'conf_high' },
            color: { field: 'contrast', type: 'nominal', title: 'contrast', scale: { scheme: 'dark2' } },
          },
        },
        {
          mark: { type: 'point', filled: true },
          encoding: {
            x: { field: 'month', type: 'ordinal' },
            y: { field: 'estimate', type: 'quantitative' },
            color: { field: 'contrast', type: 'nominal' },
          },
        },
      ],
    },
  };
}

/**
 * One chart per event-study curve set: the visit-based event study (Callaway–Sant'Anna and TWFE side
 * by side) and each stored run, estimates with 95 % intervals per event time.
 */
function eventStudyCharts(r: ReportModel): ChartSpec[] {
  const groups = new Map<string, typeof r.event_study>();
  for (const x of r.event_study) {
    if (x.source === 'monthly_itt' || x.estimate === null || x.conf_low === null || x.conf_high === null)
      continue;
    const key = x.source === 'first_visit' ? 'first_visit' : `run-${x.run_id}`;
    groups.set(key, [...(groups.get(key) ?? []), x]);
  }
  return [...groups.entries()].map(([key, values]) => {
    const first = values[0];
    const estimators = [...new Set(values.map((v) => v.estimator))];
    const order = [...new Set(values.map((v) => v.event_time))].sort((a, b) => a - b).map(String);
    const what =
      key === 'first_visit'
        ? 'Visit-based event study (start: first home visit)'
        : `Stored event-study run ${first.run_id} (${first.estimator}, start: ${first.start})`;
    const described = estimators
      .map(
        (e) =>
          `${e}: ${values
            .filter((v) => v.estimator === e)
            .map(
              (v) =>
                `month ${v.event_time}: ${num(v.estimate!)} (${num(v.conf_low!)} to ${num(v.conf_high!)})`,
            )
            .join(', ')}`,
      )
      .join('; ');
    return {
      id: `event-study-${key.replace(/_/g, '-')}`,
      title: `${what}: effect on ${first.outcome.replace(/_/g, ' ')} by months since the start, with 95 % confidence intervals`,
      description: `Points with interval bars, one colour per estimator (${estimators.join(', ')}): the estimated effect at each event time (months relative to the start; negative months are before it and test for pre-trends). A dashed line marks no effect. ${described}.`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        width: WIDTH,
        height: 220,
        config,
        data: { values: values.map((v) => ({ ...v, event_time: String(v.event_time) })) },
        layer: [
          { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { y: { datum: 0 } } },
          {
            mark: 'rule',
            encoding: {
              x: {
                field: 'event_time',
                type: 'ordinal',
                title: 'months since the start',
                sort: order,
                axis: { labelAngle: 0 },
              },
              xOffset: { field: 'estimator' },
              y: {
                field: 'conf_low',
                type: 'quantitative',
                title: `effect on ${first.outcome.replace(/_/g, ' ')}`,
              },
              y2: { field: 'conf_high' },
              color: { field: 'estimator', type: 'nominal', title: 'estimator', scale: { scheme: 'dark2' } },
            },
          },
          {
            mark: { type: 'point', filled: true },
            encoding: {
              x: { field: 'event_time', type: 'ordinal', sort: order },
              xOffset: { field: 'estimator' },
              y: { field: 'estimate', type: 'quantitative' },
              color: { field: 'estimator', type: 'nominal' },
            },
          },
        ],
      },
    };
  });
}

function forestChart(r: ReportModel): ChartSpec | null {
  const first = r.estimates.find((e) => e.role === 'primary' && e.estimand === 'ITT' && e.subgroup === null);
  if (!first) return null;
  const values = r.estimates
    .filter(
      (e) =>
        e.outcome === first.outcome &&
        e.contrast === first.contrast &&
        e.estimand === 'ITT' &&
        e.estimate !== null,
    )
    .map((e) => ({
      group: e.subgroup === null ? 'all students' : `${e.subgroup}: ${e.subgroup_level}`,
      estimate: e.estimate,
      conf_low: e.conf_low,
      conf_high: e.conf_high,
    }));
  if (values.length === 0) return null;
  return {
    id: 'subgroup-forest',
    title: `Effect on ${first.outcome.replace(/_/g, ' ')} by subgroup (${first.contrast})`,
    description: `Forest plot: for every subgroup, the estimated effect with its 95 % confidence interval. ${values
      .map((v) => `${v.group} ${num(v.estimate!)} (${num(v.conf_low!)} to ${num(v.conf_high!)})`)
      .join('; ')}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH - 160,
      height: { step: 18 },
      config,
      data: { values },
      layer: [
        { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { x: { datum: 0 } } },
        {
          mark: 'rule',
          encoding: {
            y: { field: 'group', type: 'nominal', title: null, sort: null, axis: { labelLimit: 260 } },
            x: { field: 'conf_low', type: 'quantitative', title: 'effect (95 % interval)' },
            x2: { field: 'conf_high' },
          },
        },
        {
          mark: { type: 'point', filled: true, color: '#1b5e20' },
          encoding: {
            y: { field: 'group', type: 'nominal', sort: null },
            x: { field: 'estimate', type: 'quantitative' },
          },
        },
      ],
    },
  };
}

function balanceChart(r: ReportModel): ChartSpec | null {
  const values = r.balance
    .filter((b) => b.smd !== null)
    .map((b) => ({
      covariate: b.level === null ? b.covariate : `${b.covariate} = ${b.level}`,
      smd: b.smd,
      contrast: b.contrast,
    }));
  if (values.length === 0) return null;
  const worst = values.reduce((a, b) => (Math.abs(b.smd!) > Math.abs(a.smd!) ? b : a));
  return {
    id: 'balance',
    title: 'Baseline balance: standardized mean differences',
    description: `Dot plot of the standardized mean difference of each baseline characteristic between arms, with dashed lines at ±0.05 and ±0.25 (What Works Clearinghouse bands). ${values.filter((v) => Math.abs(v.smd!) <= 0.05).length} of ${values.length} are within 0.05; the largest is ${worst.covariate} (${num(worst.smd!)}).`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH - 200,
      height: { step: 14 },
      config,
      data: { values },
      layer: [
        ...[-0.25, -0.05, 0.05, 0.25].map((x) => ({
          mark: { type: 'rule', strokeDash: [3, 3], color: '#888' },
          encoding: { x: { datum: x } },
        })),
        {
          mark: { type: 'point', filled: true },
          encoding: {
            y: { field: 'covariate', type: 'nominal', title: null, sort: null, axis: { labelLimit: 260 } },
            x: {
              field: 'smd',
              type: 'quantitative',
              title: 'standardized mean difference',
              scale: { domain: [-0.3, 0.3], clamp: true },
            },
            color: { field: 'contrast', type: 'nominal', scale: { scheme: 'dark2' } },
          },
        },
      ],
    },
  };
}

function fidelityChart(r: ReportModel): ChartSpec | null {
  if (!r.fidelity.available || r.fidelity.by_month_arm.length === 0) return null;
  const values = r.fidelity.by_month_arm;
  return {
    id: 'fidelity',
    title: 'Messages delivered by month and arm',
    description: `Bar chart of messages delivered each month, by arm. ${values.map((v) => `${v.month} ${v.arm}: ${v.delivered} of ${v.generated} delivered`).join('; ')}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      height: 200,
      config,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'month', type: 'ordinal' },
        xOffset: { field: 'arm' },
        y: { field: 'delivered', type: 'quantitative', title: 'messages delivered' },
        color: { field: 'arm', type: 'nominal', scale: { scheme: 'dark2' } },
      },
    },
  };
}

function costChart(r: ReportModel): ChartSpec | null {
  const values = r.cost_effectiveness.filter((c) => c.cost_per_absence_averted !== null);
  if (values.length === 0) return null;
  return {
    id: 'cost-per-absence',
    title: 'Program cost per absence averted',
    description: `Bar chart of the cost per absence averted for each program arm: ${values
      .map(
        (v) =>
          `${v.arm} $${num(v.cost_per_absence_averted!, 2)}${v.conf_low !== null ? ` (interval from $${num(v.conf_low, 2)}${v.conf_high !== null ? ` to $${num(v.conf_high, 2)}` : ', no upper limit'})` : ''}`,
      )
      .join('; ')}.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH - 200,
      height: { step: 28 },
      config,
      data: { values },
      mark: 'bar',
      encoding: {
        y: { field: 'arm', type: 'nominal', title: null },
        x: { field: 'cost_per_absence_averted', type: 'quantitative', title: 'dollars per absence averted' },
      },
    },
  };
}
