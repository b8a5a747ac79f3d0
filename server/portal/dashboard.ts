import type { StudyOverview } from '../../access/overview.service.ts';
import type { ChartSpec } from '../../reports/charts.ts';
import { figure } from '../../reports/render-html.ts';
import { renderSvg } from '../../reports/render-svg.ts';
import { attendanceChart, balanceChart, messagesChart } from './dashboard-charts.ts';
import { esc } from './html.ts';

/**
 * One study's section of the staff and analyst dashboard: enrollment and imports by district, the
 * randomization record and balance, messages and delivery by month and arm with the contamination
 * alarm, attendance by month and arm, and the latest reports. Every chart (drawn by the reports'
 * vega-lite → SVG renderer) has a text alternative and a table with the same numbers.
 */
export async function studySection(o: StudyOverview): Promise<string> {
  const s = o.study;
  const id = (part: string) => esc(`${s.slug}-${part}`);
  return `<section aria-labelledby="${id('h')}"><h2 id="${id('h')}">${esc(s.name)} <span class="muted">(${esc(s.slug)}, ${esc(s.status)})</span></h2>
<p>Unit: ${esc(s.unit)} · arms: ${esc(s.arms.map((a) => `${a.name} ${a.probability}`).join(', '))} · seed commitment <code>${esc(s.seedCommitment.slice(0, 16))}…</code></p>
${enrollment(o)}
${randomization(o)}
${await chart(balanceChart(o))}
${await messages(o)}
<h3>Attendance</h3>
${(await chart(attendanceChart(o))) || '<p class="muted">No attendance of randomized students imported yet.</p>'}
${reports(o)}
</section>`;
}

async function chart(spec: ChartSpec | null): Promise<string> {
  if (!spec) return '';
  return `<div class="chart">${figure(spec.id, spec.title, spec.description, await renderSvg(spec))}</div>`;
}

function tableOf(caption: string, head: string[], rows: string[][], numeric: number[] = []): string {
  const th = head
    .map((h, i) => `<th scope="col"${numeric.includes(i) ? ' class="num"' : ''}>${esc(h)}</th>`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<div class="table-wrap"><table><caption>${esc(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function enrollment(o: StudyOverview): string {
  const rows = o.districts.map((d) => [
    esc(d.leaid),
    `${esc(d.name)} (${esc(d.state)})`,
    String(d.students),
    String(d.households),
    String(d.imports),
    d.lastImportAt ? esc(d.lastImportAt.toISOString().slice(0, 10)) : '—',
  ]);
  return `<h3>Enrollment and imports by district</h3>
${
  rows.length
    ? tableOf(
        `Districts of ${o.study.slug}`,
        ['LEAID', 'District', 'Students', 'Households', 'Imports', 'Last import'],
        rows,
        [2, 3, 4],
      )
    : '<p class="muted">No districts enrolled yet.</p>'
}`;
}

function randomization(o: StudyOverview): string {
  const waves = o.randomization.randomizations.map((w) => [
    String(w.wave),
    esc(new Date(w.lockedAt).toISOString().slice(0, 16).replace('T', ' ')),
    String(w.units),
    String(w.students),
    `<code>${esc(w.assignmentSha256.slice(0, 16))}…</code>`,
  ]);
  if (waves.length === 0) return '<h3>Randomization</h3><p class="muted">Not randomized yet.</p>';
  const balance = o.balance.map((b) => [esc(b.leaid), esc(b.arm), String(b.units), String(b.students)]);
  return `<h3>Randomization record and balance</h3>
${tableOf('Waves', ['Wave', 'Locked (UTC)', 'Units', 'Students', 'Assignment SHA-256'], waves, [0, 2, 3])}
${tableOf('Balance: units and students by district and arm', ['LEAID', 'Arm', 'Units', 'Students'], balance, [2, 3])}`;
}

async function messages(o: StudyOverview): Promise<string> {
  const byMonthArm = new Map<
    string,
    { month: string; arm: string; messages: number; delivered: number; failed: number }
  >();
  for (const r of o.fidelity.rows) {
    const key = `${r.month}|${r.arm}`;
    const v = byMonthArm.get(key) ?? { month: r.month, arm: r.arm, messages: 0, delivered: 0, failed: 0 };
    v.messages += r.messages;
    v.delivered += r.delivered;
    v.failed += r.failed;
    byMonthArm.set(key, v);
  }
  const contaminated = o.fidelity.contamination;
  const alarm = contaminated.length
    ? `<p class="error" role="alert">Contamination alarm: ${contaminated
        .map(
          (c) =>
            `${c.students} students of arm ${esc(c.arm)} in district ${esc(c.leaid)} were sent ${c.messages} messages`,
        )
        .join('; ')}. Control students must not be contacted.</p>`
    : '<p>Contamination check: no student of an arm without a messaging program was contacted.</p>';
  const rows = [...byMonthArm.values()].map((v) => [
    esc(v.month),
    esc(v.arm),
    String(v.messages),
    String(v.delivered),
    String(v.failed),
  ]);
  return `<h3>Messages and delivery</h3>
${alarm}
${
  rows.length
    ? `${await chart(messagesChart(o))}${tableOf('Messages by month and arm', ['Month', 'Arm', 'Messages', 'Delivered', 'Failed'], rows, [2, 3, 4])}`
    : '<p class="muted">No messages generated yet.</p>'
}`;
}

function reports(o: StudyOverview): string {
  if (o.reports.length === 0) return '<h3>Latest report</h3><p class="muted">No report run yet.</p>';
  const rows = o.reports.map((r) => [
    r.kind === 'analysis' ? 'study analysis' : `district ${esc(r.leaid)}`,
    esc(r.createdAt.toISOString().slice(0, 16).replace('T', ' ')),
    esc(r.actor),
    `<code>${esc(r.reportSha256.slice(0, 16))}…</code>`,
  ]);
  return `<h3>Latest report</h3>
${tableOf('Latest report runs', ['Report', 'Run (UTC)', 'By', 'report.json SHA-256'], rows)}`;
}
