import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { loadStudentMonthPanels, type OutcomeWindow } from '../../../analysis/outcomes.store.ts';
import { randomizeStudy } from '../../../assignment/assignment.service.ts';
import { enrollDistrict } from '../../../cohorts/study.service.ts';
import type { Db } from '../../../db/connection.ts';
import type { Database } from '../../../db/types.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { oracleStudentMonthPanels } from '../../helpers/outcome-panel-oracle.ts';
import {
  calendarCsv,
  DAILY_HEADER,
  dailyRows,
  ENROLLMENT_CSV,
  SCHOOLS_CSV,
  STUDENTS_CSV,
} from '../cohorts/imports/fixture-district.ts';
import {
  ACTOR,
  importer,
  importFixtureBase,
  studyWithDistrict,
  TempFiles,
} from '../cohorts/imports/import-helpers.ts';

/**
 * Enrolled days are counted in TypeScript from the calendars and the enrollment windows
 * (analysis/enrolled-days.ts); the panels equal, row for row, those of the query that joined the
 * calendar to the enrollment windows in SQL (the oracle), for random calendars (gaps, non-instructional
 * days, a school without any), random enrollment windows (open, closed, overlapping at two schools or
 * twice at one, outside the calendar) and windows that cut months anywhere. Each case runs in a
 * transaction that is rolled back.
 */

const SLUG = 'enrolled-days';
const LEAIDS = ['0100005', '0100007'];
const FIRST = Date.parse('2025-08-10T00:00:00Z');
const dayText = (n: number) => new Date(FIRST + n * 86_400_000).toISOString().slice(0, 10);
const SPAN = 150;

const calendarArb = fc.array(fc.record({ day: fc.nat(SPAN), instructional: fc.boolean() }), {
  maxLength: 90,
});

/** a student of either district (four each) at one of their district's two schools */
const windowArb = fc.record({
  student: fc.nat(7),
  school: fc.nat(1),
  entry: fc.nat(SPAN),
  length: fc.option(fc.nat(80), { nil: null }),
});

const outcomeWindowArb: fc.Arbitrary<OutcomeWindow> = fc
  .tuple(fc.integer({ min: -5, max: SPAN + 5 }), fc.integer({ min: -5, max: SPAN + 5 }))
  .map(([a, b]) => ({ start: dayText(Math.min(a, b)), end: dayText(Math.max(a, b)) }));

class Rollback extends Error {}

describe(`enrolled days from calendars and enrollment windows (${testDialect})`, () => {
  let db: Db;
  let studyId: number;
  let students: number[];
  let schools: number[];
  const files = new TempFiles();

  beforeAll(async () => {
    db = await openTestDatabase();
    await studyWithDistrict(db, SLUG, LEAIDS[0]);
    await enrollDistrict(
      db,
      { study: SLUG, leaid: LEAIDS[1], name: 'District two', state: 'AL', locale: 42 },
      ACTOR,
    );
    // daily records too, so months without a calendar day fall back to them
    const daily = dailyRows('2025-09-01', '2025-10-20')
      .map((r) => `${r.sis},${r.date},${r.category},${r.fraction},${r.suspension},${r.code}`)
      .join('\n');
    for (const [k, leaid] of LEAIDS.entries()) {
      const imp = importer(db, files, SLUG, leaid);
      if (k === 0) await importFixtureBase(imp);
      else {
        // the fixture district again, its schools' NCES ids under this LEAID
        await imp('schools', 'schools.csv', SCHOOLS_CSV.replaceAll(LEAIDS[0], leaid));
        await imp('roster', 'students.csv', STUDENTS_CSV);
        await imp('calendar', 'calendar.csv', calendarCsv());
        await imp('enrollment', 'enrollment.csv', ENROLLMENT_CSV);
      }
      await imp('attendance', 'attendance.csv', `${DAILY_HEADER}\n${daily}\n`);
    }
    await randomizeStudy(db, { study: SLUG, actor: ACTOR });
    studyId = (
      await db.kysely.selectFrom('study').select('id').where('slug', '=', SLUG).executeTakeFirstOrThrow()
    ).id;
    const ids = await db.kysely
      .selectFrom('student')
      .innerJoin('district', 'district.id', 'student.district_id')
      .select(['student.id', 'district.nces_leaid'])
      .orderBy('district.nces_leaid')
      .orderBy('student.id')
      .execute();
    students = ids.map((s) => s.id);
    schools = (
      await db.kysely
        .selectFrom('school')
        .innerJoin('district', 'district.id', 'school.district_id')
        .select('school.id')
        .orderBy('district.nces_leaid')
        .orderBy('school.id')
        .execute()
    ).map((s) => s.id);
    expect(students).toHaveLength(8);
    expect(schools).toHaveLength(4);
  }, 120_000);
  afterAll(async () => {
    await db.close();
    files.remove();
  });

  /** Replaces the calendars and enrollment windows inside trx. */
  async function replace(
    trx: Kysely<Database>,
    calendars: readonly (readonly { day: number; instructional: boolean }[])[],
    windows: { student: number; school: number; entry: number; length: number | null }[],
  ) {
    await sql`DELETE FROM enrollment`.execute(trx);
    await sql`DELETE FROM calendar_day`.execute(trx);
    for (const [k, days] of calendars.entries()) {
      const unique = new Map(days.map((d) => [d.day, d.instructional]));
      for (const [day, instructional] of unique)
        await sql`INSERT INTO calendar_day (school_id, date, instructional, day_fraction)
          VALUES (${schools[k]}, ${dayText(day)}::date, ${instructional}, 1)`.execute(trx);
    }
    const seen = new Set<string>();
    for (const w of windows) {
      const key = `${w.student}|${w.school}|${w.entry}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await sql`INSERT INTO enrollment (student_id, school_id, entry_date, exit_date)
        VALUES (${students[w.student]}, ${schools[(w.student < 4 ? 0 : 2) + w.school]}, ${dayText(w.entry)}::date,
          ${w.length === null ? null : dayText(w.entry + w.length)}::date)`.execute(trx);
    }
  }

  it('equals the SQL join of calendars and enrollment windows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(calendarArb, fc.oneof(calendarArb, fc.constant([])), calendarArb, calendarArb),
        fc.array(windowArb, { maxLength: 8 }),
        fc.array(outcomeWindowArb, { minLength: 1, maxLength: 3 }),
        async (calendars, windows, outcomeWindows) => {
          await db.kysely
            .transaction()
            .execute(async (trx) => {
              await replace(trx, calendars, windows);
              for (const scope of ['study', 'districts'] as const) {
                const got = await loadStudentMonthPanels(trx, studyId, outcomeWindows, scope);
                const want = await oracleStudentMonthPanels(trx, studyId, outcomeWindows, scope);
                expect(got).toEqual(want);
              }
              throw new Rollback();
            })
            .catch((e: unknown) => {
              if (!(e instanceof Rollback)) throw e;
            });
        },
      ),
      { numRuns: 60, seed: 20261206 },
    );
  }, 600_000);

  it('counts a day enrolled at two schools once, and a school year across months', async () => {
    const weekdays = Array.from({ length: SPAN }, (_, day) => day).filter((day) => {
      const w = new Date(FIRST + day * 86_400_000).getUTCDay();
      return w !== 0 && w !== 6;
    });
    const calendar = weekdays.map((day) => ({ day, instructional: true }));
    await db.kysely
      .transaction()
      .execute(async (trx) => {
        await replace(
          trx,
          [calendar, calendar],
          [
            { student: 0, school: 0, entry: 20, length: 40 },
            { student: 0, school: 1, entry: 40, length: null },
          ],
        );
        const [panel] = await loadStudentMonthPanels(trx, studyId, [
          { start: dayText(0), end: dayText(SPAN) },
        ]);
        const mine = panel.filter((m) => m.studentId === students[0]);
        const want = new Map<string, number>();
        for (const day of weekdays)
          if (day >= 20) {
            const month = dayText(day).slice(0, 7);
            want.set(month, (want.get(month) ?? 0) + 1);
          }
        expect(mine.map((m) => [m.month, m.enrolledDays, m.source])).toEqual(
          [...want].map(([month, days]) => [month, days, 'calendar']),
        );
        expect(panel).toEqual(
          (await oracleStudentMonthPanels(trx, studyId, [{ start: dayText(0), end: dayText(SPAN) }]))[0],
        );
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
  }, 120_000);
});
