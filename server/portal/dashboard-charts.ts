import type { StudyOverview } from '../../access/overview.service.ts';
import type { ChartSpec } from '../../reports/charts.ts';

/**
 * The dashboard's charts as vega-lite specs with their text alternatives (the reports' ChartSpec, so
 * the reports' renderer draws them). Pure.
 */

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 480;
const config = { font: 'sans-serif', view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 } };
const pct = (x: number) => `${(Math.round(x * 1000) / 10).toFixed(1)} %`;

/** Students randomized to each arm, by district (balance at a glance). */
export function balanceChart(o: StudyOverview): ChartSpec | null {
  if (o.balance.length === 0) return null;
  const described = o.balance.map((b) => `${b.leaid} ${b.arm} ${b.students}`).join('; ');
  return {
    id: `${o.study.slug}-balance`,
    title: 'Students by district and arm',
    description: `Grouped bar chart of randomized students by district, one bar per arm. ${described}.`,
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: 200,
      config,
      data: { values: o.balance },
      mark: 'bar',
      encoding: {
        y: { field: 'leaid', type: 'nominal', title: 'district (LEAID)' },
        yOffset: { field: 'arm', type: 'nominal' },
        x: { field: 'students', type: 'quantitative', title: 'students' },
        color: { field: 'arm', type: 'nominal', title: 'arm', scale: { scheme: 'dark2' } },
      },
    },
  };
}

/** Messages and messages delivered by month and arm (all districts). */
export function messagesChart(o: StudyOverview): ChartSpec | null {
  const byKey = new Map<string, { month: string; arm: string; measure: string; count: number }>();
  for (const r of o.fidelity.rows) {
    for (const [measure, count] of [
      ['messages', r.messages],
      ['delivered', r.delivered],
    ] as const) {
      const key = `${r.month}|${r.arm}|${measure}`;
      const v = byKey.get(key) ?? { month: r.month, arm: r.arm, measure, count: 0 };
      v.count += count;
      byKey.set(key, v);
    }
  }
  const values = [...byKey.values()];
  if (!values.some((v) => v.count > 0)) return null;
  const described = values.map((v) => `${v.month} ${v.arm} ${v.measure} ${v.count}`).join('; ');
  return {
    id: `${o.study.slug}-messages`,
    title: 'Messages and deliveries by month and arm',
    description: `Bar chart of caregiver messages generated and delivered per month, by arm. ${described}.`,
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: 200,
      config,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'month', type: 'ordinal', title: 'month', axis: { labelAngle: 0 } },
        xOffset: { field: 'measure', type: 'nominal' },
        y: { field: 'count', type: 'quantitative', title: 'messages' },
        color: { field: 'measure', type: 'nominal', title: 'messages', scale: { scheme: 'dark2' } },
        column: { field: 'arm', type: 'nominal', title: 'arm' },
      },
    },
  };
}

/** Attendance rate by month, one line per arm. */
export function attendanceChart(o: StudyOverview): ChartSpec | null {
  const values = o.attendance.filter((a) => a.attendanceRate !== null);
  if (values.length === 0) return null;
  const described = values.map((v) => `${v.month} ${v.arm} ${pct(v.attendanceRate!)}`).join('; ');
  return {
    id: `${o.study.slug}-attendance`,
    title: 'Attendance rate by month and arm',
    description: `Line chart of the attendance rate of randomized students by month, one line per arm. ${described}.`,
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: 220,
      config,
      data: { values: values.map((v) => ({ month: v.month, arm: v.arm, rate: v.attendanceRate })) },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'month', type: 'ordinal', title: 'month', axis: { labelAngle: 0 } },
        y: {
          field: 'rate',
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
