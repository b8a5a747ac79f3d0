import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../db/connection.ts';
import { importFile } from '../../../cohorts/imports/import.service.ts';
import { exportMonth } from '../../../outreach/export.service.ts';
import { fidelityReport, studentDoses, studentExposure } from '../../../outreach/fidelity.service.ts';
import { loadContamination } from '../../../outreach/fidelity.store.ts';
import { generateAlerts, generateMonth } from '../../../outreach/messages.service.ts';
import { importReceipts, importVisits } from '../../../outreach/outreach-import.service.ts';
import { addTemplate, setProgram } from '../../../outreach/program.service.ts';
import { visitWorklist } from '../../../outreach/worklist.service.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { expectProblem, refusal, snapshot, TempFiles } from '../cohorts/imports/import-helpers.ts';
import { ACTOR, goldenStudy, LEAID } from './outreach-helpers.ts';

/** The rules of issue 11 on the golden district (tests/fixtures/outreach/README.md). */
describe(`outreach rules (${testDialect})`, () => {
  let db: Db;
  const files = new TempFiles();
  const S = 'rules';
  const json = (name: string, text: string) => files.write(name, text);
  const attendance = (slug: string, name: string, text: string) =>
    importFile(db, { study: slug, leaid: LEAID, kind: 'attendance', path: files.write(name, text) }, ACTOR);
  const messageIds = async (slug: string, sis: string, contact?: string) => {
    const r = await sql<{ id: number }>`
      SELECT m.id::int AS id FROM message m JOIN message_batch b ON b.id = m.batch_id JOIN study st ON st.id = b.study_id
      JOIN student s ON s.id = m.student_id JOIN caregiver c ON c.id = m.caregiver_id
      WHERE st.slug = ${slug} AND s.sis_id = ${sis} AND (${contact ?? null}::text IS NULL OR c.contact_key = ${contact ?? null})
      ORDER BY m.id`.execute(db.kysely);
    return r.rows.map((x) => x.id);
  };

  beforeAll(async () => {
    db = await openTestDatabase();
    await goldenStudy(db, files, S);
  });
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  it('refuses to generate while no arm has a messaging program; validates program set', async () => {
    await expect(generateMonth(db, { study: S, month: '2025-09' }, ACTOR)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/no arm of study rules has a monthly_summary program/),
    });
    await expect(
      setProgram(db, { study: S, arm: 'nobody', program: 'monthly_summary' }, ACTOR),
    ).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/arm "nobody" is not an arm/),
    });
    await expect(
      setProgram(
        db,
        {
          study: S,
          arm: 'alerts',
          program: 'threshold_alerts',
          configPath: json('bad.json', '{"thresholds":[{"absences":3,"tier":7,"role":"advisor"}]}'),
        },
        ACTOR,
      ),
    ).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/thresholds\.0\.tier/) });
  });

  it('a program can change until its first batch, and every change is audited', async () => {
    const v1 = await setProgram(db, { study: S, arm: 'summary', program: 'monthly_summary' }, ACTOR);
    const v2 = await setProgram(
      db,
      {
        study: S,
        arm: 'summary',
        program: 'monthly_summary',
        configPath: json('s.json', '{"channels":["sms","email"]}'),
      },
      ACTOR,
    );
    expect([v1.version, v2.version]).toEqual([1, 2]);
    await setProgram(db, { study: S, arm: 'alerts', program: 'threshold_alerts' }, ACTOR);
    const audit = await db.kysely
      .selectFrom('audit_event')
      .select(['action', 'details'])
      .where('action', '=', 'program.set')
      .execute();
    expect(audit).toHaveLength(3);
    expect(audit[1].details).toMatchObject({
      version: 2,
      previous: { version: 1, config: { channels: ['sms', 'email', 'inbox'] } },
    });
    await generateMonth(db, { study: S, month: '2025-09' }, ACTOR);
    await expect(
      setProgram(db, { study: S, arm: 'summary', program: 'home_visits' }, ACTOR),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/first batch was already generated/),
    });
  });

  it('a month is generated once per district; a later attendance revision is reported, not re-messaged', async () => {
    const before = await db.kysely.selectFrom('message').select('id').execute();
    const again = await generateMonth(db, { study: S, month: '2025-09' }, ACTOR);
    expect(again.districts[0]).toMatchObject({ status: 'already_generated', revised: 0 });
    // 000201 was present on 2025-09-09 and is now marked absent: the settled month is not re-messaged.
    await attendance(
      S,
      'fix.csv',
      'student_id,date,category,absent_fraction,suspension,sis_code\n000201,2025-09-09,unexcused,1,,U\n',
    );
    const revised = await generateMonth(db, { study: S, month: '2025-09' }, ACTOR);
    expect(revised.districts[0]).toMatchObject({ status: 'already_generated', revised: 1, messages: 0 });
    expect(await db.kysely.selectFrom('message').select('id').execute()).toEqual(before);
  });

  it('a month without attendance is skipped, to be generated later', async () => {
    const r = await generateMonth(db, { study: S, month: '2025-11' }, ACTOR);
    expect(r.districts[0]).toMatchObject({ status: 'no_attendance', batchId: null });
  });

  it("alerts: a day's run once; thresholds fire once per student and school year", async () => {
    const first = await generateAlerts(db, { study: S, through: '2025-09-30' }, ACTOR);
    expect(first.districts[0]).toMatchObject({ status: 'generated', alerts: 10, tasks: 2 });
    const again = await generateAlerts(db, { study: S, through: '2025-09-30' }, ACTOR);
    expect(again.districts[0]).toMatchObject({ status: 'already_generated', alerts: 0 });
    await expect(generateAlerts(db, { study: S, through: '2025-09-15' }, ACTOR)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    // October: 000204 misses two more days (7 in the year): absence alerts, but no threshold again.
    await attendance(
      S,
      'oct.csv',
      'student_id,date,category,absent_fraction,suspension,sis_code\n000204,2025-10-01,unexcused,1,,U\n000204,2025-10-02,unexcused,1,,U\n000206,2025-10-01,present,0,,P\n',
    );
    const oct = await generateAlerts(db, { study: S, through: '2025-10-03' }, ACTOR);
    expect(oct.districts[0]).toMatchObject({ status: 'generated', alerts: 2, tasks: 0 });
    const fired = await sql<{ threshold: number; n: number }>`
      SELECT threshold::int AS threshold, count(*)::int AS n FROM alert a JOIN program p ON p.id = a.program_id
      JOIN study s ON s.id = p.study_id WHERE s.slug = ${S} AND a.kind = 'threshold' GROUP BY 1 ORDER BY 1`.execute(
      db.kysely,
    );
    expect(fired.rows).toEqual([
      { threshold: 3, n: 1 },
      { threshold: 5, n: 1 },
    ]);
    // An absence arriving late for a settled day is reported, not alerted.
    await attendance(
      S,
      'late.csv',
      'student_id,date,category,absent_fraction,suspension,sis_code\n000206,2025-09-29,unexcused,1,,U\n',
    );
    const late = await generateAlerts(db, { study: S, through: '2025-10-03' }, ACTOR);
    expect(late.districts[0]).toMatchObject({ status: 'already_generated', revised: 1 });
  });

  it('receipts update statuses; a STOP reply opts out the number; bad files change nothing', async () => {
    const [c01] = await messageIds(S, '000201', 'C01');
    const [c02] = await messageIds(S, '000201', 'C02');
    const [c03] = await messageIds(S, '000202', 'C03');
    const before = await snapshot(db);
    const bad = await refusal(
      importReceipts(
        db,
        {
          study: S,
          leaid: LEAID,
          path: files.write(
            'receipts-bad.csv',
            `message_id,status,status_at,provider_ref\n${c01},delivered,2025-10-01T14:00:00Z,p1\n999999,delivered,2025-10-01,p2\n${c02},maybe,2025-10-01,p3\n${c03},failed,10/01/2025,p4\n`,
          ),
        },
        ACTOR,
      ),
    );
    expectProblem(bad, {
      file: 'receipts-bad.csv',
      line: 3,
      column: 'message_id',
      reason: /not a message exported for district 0100007/,
    });
    expectProblem(bad, {
      file: 'receipts-bad.csv',
      line: 4,
      column: 'status',
      reason: /not delivered, failed or opted_out/,
    });
    expectProblem(bad, { file: 'receipts-bad.csv', line: 5, column: 'status_at', reason: /not YYYY-MM-DD/ });
    expect(await snapshot(db)).toEqual(before);

    const text = `message_id,status,status_at,provider_ref\n${c01},delivered,2025-10-01T14:00:00Z,p1\n${c02},delivered,2025-10-01T15:00:00Z,p2\n${c03},failed,2025-10-01T14:00:00Z,p3\n${c01},STOP,2025-10-02T08:00:00Z,p1\n`;
    const r = await importReceipts(
      db,
      { study: S, leaid: LEAID, path: files.write('receipts.csv', text) },
      ACTOR,
    );
    expect(r).toMatchObject({ status: 'imported', rowsRead: 4, messagesUpdated: 3, caregiversOptedOut: 1 });
    expect(r.warnings.map((w) => w.message)).toEqual(["reply 'STOP' recorded as an opt-out of the number"]);
    const statuses = await db.kysely
      .selectFrom('message')
      .select(['id', 'status'])
      .where('id', 'in', [c01, c02, c03])
      .orderBy('id')
      .execute();
    expect(statuses.map((s) => s.status)).toEqual(['opted_out', 'delivered', 'failed']);
    const c = await db.kysely
      .selectFrom('caregiver as c')
      .innerJoin('district as d', 'd.id', 'c.district_id')
      .innerJoin('study as s', 's.id', 'd.study_id')
      .select(['c.contact_key', 'c.opt_out_at', 'c.opt_out_channel'])
      .where('s.slug', '=', S)
      .where('c.contact_key', '=', 'C01')
      .executeTakeFirstOrThrow();
    expect(c).toEqual({ contact_key: 'C01', opt_out_at: '2025-10-02', opt_out_channel: 'sms' });
    const same = await importReceipts(
      db,
      { study: S, leaid: LEAID, path: files.write('receipts.csv', text) },
      ACTOR,
    );
    expect(same.status).toBe('already_imported');
  });

  it('the opted-out number gets nothing in October; fidelity and dose reflect the receipts', async () => {
    await attendance(
      S,
      'oct-201.csv',
      'student_id,date,category,absent_fraction,suspension,sis_code\n000201,2025-10-01,present,0,,P\n',
    );
    const oct = await generateMonth(db, { study: S, month: '2025-10' }, ACTOR);
    expect(oct.districts[0].byArm.summary).toMatchObject({ studentsEligible: 3, contactsOptedOut: 3 });
    expect(await messageIds(S, '000201', 'C01')).toHaveLength(1); // September's only
    const f = await fidelityReport(db, S);
    expect(f.contamination).toEqual([]);
    // the report skipped the messages (none went to an arm without a program): the full read agrees
    const studyId = (await sql<{ id: number }>`SELECT id FROM study WHERE slug = ${S}`.execute(db.kysely))
      .rows[0].id;
    expect(await loadContamination(db.kysely, studyId)).toEqual(f.contamination);
    // every month × district × arm's message counts against the messages themselves
    const messages = await sql<{
      student_id: number;
      status: string;
      day: string;
      leaid: string;
      arm: string;
    }>`
      SELECT m.student_id, m.status, coalesce(al.date, b.period_start) AS day, d.nces_leaid AS leaid,
        coalesce(a.arm, '(not randomized)') AS arm
      FROM message m JOIN message_batch b ON b.id = m.batch_id JOIN district d ON d.id = b.district_id
      LEFT JOIN alert al ON al.id = m.alert_id
      LEFT JOIN assignment_member am ON am.student_id = m.student_id AND am.study_id = b.study_id
      LEFT JOIN assignment a ON a.study_id = am.study_id AND a.unit_key = am.unit_key
      WHERE b.study_id = (SELECT id FROM study WHERE slug = ${S})`.execute(db.kysely);
    expect(messages.rows.some((m) => m.day.slice(0, 7) !== '2025-09')).toBe(true);
    const expected = new Map<
      string,
      { students: Set<number>; messages: number; delivered: number; failed: number }
    >();
    for (const m of messages.rows) {
      const key = `${m.day.slice(0, 7)}|${m.leaid}|${m.arm}`;
      const e = expected.get(key) ?? { students: new Set(), messages: 0, delivered: 0, failed: 0 };
      e.students.add(m.student_id);
      e.messages++;
      if (m.status === 'delivered') e.delivered++;
      if (m.status === 'failed') e.failed++;
      expected.set(key, e);
    }
    const counted = f.rows.filter((r) => r.messages > 0);
    expect(counted.map((r) => `${r.month}|${r.leaid}|${r.arm}`).sort()).toEqual([...expected.keys()].sort());
    for (const r of counted) {
      const e = expected.get(`${r.month}|${r.leaid}|${r.arm}`)!;
      expect([r.studentsMessaged, r.messages, r.delivered, r.failed]).toEqual([
        e.students.size,
        e.messages,
        e.delivered,
        e.failed,
      ]);
    }
    expect(f.rows.find((r) => r.month === '2025-09' && r.arm === 'summary')).toMatchObject({
      studentsEligible: 3,
      studentsMessaged: 2,
      messages: 3,
      delivered: 1,
      failed: 1,
      optedOut: 1,
      contactsOptedOut: 2,
      contactsNoConsent: 1,
      languageFallbacks: 1,
    });
    expect(
      f.alerts.filter((a) => a.kind === 'threshold').map((a) => [a.month, a.arm, a.tier, a.alerts, a.tasks]),
    ).toEqual([
      ['2025-09', 'alerts', 2, 1, 1],
      ['2025-09', 'alerts', 3, 1, 1],
    ]);
    const doses = await studentDoses(db, S);
    expect(doses.find((d) => d.sisId === '000201')).toMatchObject({
      arm: 'summary',
      messagesDelivered: 1,
      firstDeliveredMonth: '2025-10',
    });
    expect(doses.find((d) => d.sisId === '000203')).toMatchObject({
      arm: 'control',
      messagesDelivered: 0,
      firstDeliveredMonth: null,
    });
    // the report's narrow read: the same students reached as the doses say
    const exposure = await studentExposure(db, S);
    expect(exposure.reached.size).toBeGreaterThan(0);
    expect([...exposure.reached].sort((a, b) => a - b)).toEqual(
      doses
        .filter((d) => d.messagesDelivered > 0)
        .map((d) => d.studentId)
        .sort((a, b) => a - b),
    );
    expect(exposure.firstVisits.size).toBe(0);
    // the report leaves the alerts table out, and nothing else
    const withoutAlerts = await fidelityReport(db, S, { alerts: false });
    expect(withoutAlerts.alerts).toEqual([]);
    expect({ ...withoutAlerts, alerts: f.alerts }).toEqual(f);
  });

  it('refuses, changing nothing, a run that would reach a control family', async () => {
    const slug = 'contamination';
    await goldenStudy(db, files, slug);
    await setProgram(db, { study: slug, arm: 'summary', program: 'monthly_summary' }, ACTOR);
    // The control student's new contact shares C03's phone number (C03 is texted about 000202).
    await importFile(
      db,
      {
        study: slug,
        leaid: LEAID,
        kind: 'contacts',
        path: files.write(
          'shared.csv',
          'contact_id,student_id,household_id,relationship,first_name,last_name,phone,email,preferred_language,sms_consent\nC10,000203,H03,relative,Joy,Control,205-555-0103,,en,true\n',
        ),
      },
      ACTOR,
    );
    const before = await snapshot(db);
    await expect(generateMonth(db, { study: slug, month: '2025-09' }, ACTOR)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(
        /would contact a control family .*contact C03 shares a phone number with a control student's caregiver/,
      ),
    });
    expect(await snapshot(db)).toEqual(before);
  });

  it('exports never carry the arm and mark messages exported', async () => {
    const e = await exportMonth(db, { study: S, district: LEAID, month: '2025-10' }, ACTOR);
    expect(e.text.split('\n')[0]).not.toMatch(/arm|summary|control/);
    expect(e.text).not.toMatch(/,summary,|,control,|,alerts,/);
    expect(e.newlyExported).toBe(e.rows);
  });

  it('templates: new versions from a file; unknown placeholders refused', async () => {
    const t = await addTemplate(
      db,
      {
        study: S,
        purpose: 'monthly_summary',
        language: 'Vietnamese',
        path: files.write('vi.txt', 'Kính gửi {{caregiver_first_name}}: {{absences_month}}\n'),
      },
      ACTOR,
    );
    expect(t).toMatchObject({ language: 'vi', version: 1, encoding: 'ucs2' });
    await expect(
      addTemplate(
        db,
        {
          study: S,
          purpose: 'monthly_summary',
          language: 'en',
          path: files.write('bad.txt', 'Hi {{parent}}'),
        },
        ACTOR,
      ),
    ).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/unknown placeholder \{\{parent\}\}/),
    });
  });

  it('visits import (vocabulary checked, file:line:column) and the worklist', async () => {
    const before = await snapshot(db);
    const bad = await refusal(
      importVisits(
        db,
        {
          study: S,
          leaid: LEAID,
          path: files.write(
            'visits-bad.csv',
            'student_id,visit_date,modality,personnel,barriers\n000204,2025-10-06,drive-by,school,\n000206,2025-10-07,phone,school,health;aliens\n',
          ),
        },
        ACTOR,
      ),
    );
    expectProblem(bad, {
      file: 'visits-bad.csv',
      line: 2,
      column: 'modality',
      reason: /not in_person, virtual or phone/,
    });
    expectProblem(bad, {
      file: 'visits-bad.csv',
      line: 3,
      column: 'barriers',
      reason: /'aliens' is not in the vocabulary/,
    });
    expect(await snapshot(db)).toEqual(before);
    const v = await importVisits(
      db,
      {
        study: S,
        leaid: LEAID,
        path: files.write(
          'visits.csv',
          'student_id,visit_date,modality,personnel,barriers\n000204,2025-10-06,in-person,school,transportation; health\n000204,2025-11-03,phone,community,\n',
        ),
      },
      ACTOR,
    );
    expect(v).toMatchObject({ status: 'imported', inserted: 2, replaced: 0 });
    const doses = await studentDoses(db, S);
    expect(doses.find((d) => d.sisId === '000204')).toMatchObject({ visits: 2, firstVisitMonth: '2025-10' });
    const visited = doses.find((d) => d.sisId === '000204')!;
    expect((await studentExposure(db, S)).firstVisits).toEqual(new Map([[visited.studentId, '2025-10']]));
    await setProgram(
      db,
      {
        study: S,
        arm: 'control',
        program: 'home_visits',
        configPath: json('hv.json', '{"min_enrolled_days":3}'),
      },
      ACTOR,
    );
    const w = await visitWorklist(db, { study: S, district: LEAID, through: '2025-09-30' });
    // 000203 (control → home visits now) missed 2 of 21 enrolled days: 9.5 %, under 10 %.
    expect(w.rows).toEqual([]);
    const early = await visitWorklist(db, { study: S, district: LEAID, through: '2025-09-05' });
    expect(early.rows.map((r) => [r.sisId, r.enrolledDays, r.absenceDays])).toEqual([['000203', 4, 2]]);
  });
});
