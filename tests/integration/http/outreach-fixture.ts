import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../../db/connection.ts';
import { importFile } from '../../../cohorts/imports/import.service.ts';
import { createStudy, enrollDistrict } from '../../../cohorts/study.service.ts';
import { setProgram } from '../../../outreach/program.service.ts';
import { TempFiles } from '../cohorts/imports/import-helpers.ts';
import { assignByHand, FIXTURE, fixtureText, GOLDEN_FILES } from '../outreach/outreach-helpers.ts';
import { OTHER, OTHER_NAME, OWN } from './http-fixture.ts';

/** The study of the authorization matrix's outreach and event-study rows. */
export const OUTREACH_STUDY = 'o1';
/** Its alerts, tasks and worklist are read through this day (September of the golden files). */
export const THROUGH = '2025-09-30';

const ACTOR = 'test:http-outreach';
const GOLDEN_LEAID = '0100007';

/**
 * Student ids of a district of the study: the golden district's 0002xx in OWN, 0009xx in OTHER, so
 * that a row of the other district shows in any answer's text.
 */
export const STUDENT_PREFIX: Record<string, string> = {
  [OWN]: '0002',
  [OTHER]: '0009',
  [GOLDEN_LEAID]: '0002',
};

/** The golden district's files as a district of the study: its LEAID and its student ids. */
function districtText(text: string, leaid: string): string {
  return text.replaceAll(GOLDEN_LEAID, leaid).replace(/\b0002(\d\d)\b/g, `${STUDENT_PREFIX[leaid]}$1`);
}

/** A checked-in export of the golden district as it reads for a district of the study. */
export function expectedExport(name: string, leaid: string): string {
  return districtText(readFileSync(join(FIXTURE, 'expected', name), 'utf8'), leaid);
}

/**
 * Each student's arm (golden ids): the golden arms, but 000203 (two absence days in September) in a
 * home-visit arm; 000201, 000202 and 000205 are in an arm without a program, the event study's
 * never-treated students.
 */
const ARMS: Record<string, string> = {
  '01': 'summary',
  '02': 'summary',
  '03': 'visits',
  '04': 'alerts',
  '05': 'summary',
  '06': 'alerts',
};

/**
 * October attendance (synthetic) of every student on the calendar's instructional days: a student
 * misses every fifth day from a day that depends on the student, so months and students differ.
 */
function octoberAttendance(leaid: string): string {
  const calendar = fixtureText('calendar.csv')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .filter(([, date, instructional]) => date.startsWith('2025-10') && instructional === 'true');
  const schoolOf = new Map(
    fixtureText('enrollment.csv')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .map(([student, school]) => [student, school]),
  );
  const rows = ['student_id,date,category,absent_fraction,suspension,sis_code'];
  for (const [student, school] of schoolOf) {
    const days = calendar.filter(([s]) => s === school).map(([, date]) => date);
    days.forEach((date, i) => {
      const absent = (i + Number(student.slice(-1))) % 5 === 0;
      rows.push(`${student},${date},${absent ? 'unexcused,1,,U' : 'present,0,,P'}`);
    });
  }
  return districtText(rows.join('\n') + '\n', leaid);
}

/** Each student's attendance rate in a month's attendance file (an in-school suspension is present). */
function attendanceRates(text: string): Map<string, number> {
  const days = new Map<string, [number, number]>();
  for (const line of text.trim().split('\n').slice(1)) {
    const [student, , , fraction, suspension] = line.split(',');
    const [n, absent] = days.get(student) ?? [0, 0];
    days.set(student, [n + 1, absent + (suspension === 'iss' ? 0 : Number(fraction))]);
  }
  return new Map([...days].map(([s, [n, absent]]) => [s, 1 - absent / n]));
}

/**
 * The difference in differences of attendance rates, October minus September, of the treated arms
 * (alerts, visits: treated from October) and the others, from the files themselves: with two months
 * and one cohort, what the TWFE event study's one term must estimate.
 */
export function expectedOctoberEffect(): number {
  const september = attendanceRates(fixtureText('attendance-2025-09.csv'));
  const october = attendanceRates(octoberAttendance(GOLDEN_LEAID));
  const change = (treated: boolean) => {
    const students = [...september.keys()].filter(
      (s) => ['alerts', 'visits'].includes(ARMS[s.slice(-2)]) === treated,
    );
    return students.reduce((sum, s) => sum + october.get(s)! - september.get(s)!, 0) / students.length;
  };
  return change(true) - change(false);
}

/**
 * Study o1: the outreach golden district twice (as OWN and as OTHER, each with its own student ids),
 * September (golden) and October (octoberAttendance) attendance, arms set by hand and randomized on
 * October 1, 2025 (so the event study has a month before and after), a threshold_alerts arm and a
 * home_visits arm. The operations the matrix's rows make on it succeed with content to compare.
 */
export async function seedOutreachStudy(db: Db): Promise<void> {
  const files = new TempFiles();
  try {
    await createStudy(
      db,
      {
        slug: OUTREACH_STUDY,
        name: 'Outreach over HTTP',
        unit: 'student',
        arms: 'control:0.25,summary:0.25,alerts:0.25,visits:0.25',
        blockBy: 'district',
      },
      ACTOR,
    );
    const arms: Record<string, string> = {};
    for (const [leaid, name] of [
      [OWN, 'District 0'],
      [OTHER, OTHER_NAME],
    ]) {
      await enrollDistrict(db, { study: OUTREACH_STUDY, leaid, name, state: 'NY', locale: 42 }, ACTOR);
      for (const [kind, name] of GOLDEN_FILES)
        await importFile(
          db,
          {
            study: OUTREACH_STUDY,
            leaid,
            kind,
            path: files.write(name, districtText(fixtureText(name), leaid)),
          },
          ACTOR,
        );
      await importFile(
        db,
        {
          study: OUTREACH_STUDY,
          leaid,
          kind: 'attendance',
          path: files.write('attendance-2025-10.csv', octoberAttendance(leaid)),
        },
        ACTOR,
      );
      for (const [n, arm] of Object.entries(ARMS)) arms[`${STUDENT_PREFIX[leaid]}${n}`] = arm;
    }
    await assignByHand(db, OUTREACH_STUDY, arms, new Date('2025-10-01T12:00:00Z'));
    await setProgram(db, { study: OUTREACH_STUDY, arm: 'alerts', program: 'threshold_alerts' }, ACTOR);
    await setProgram(
      db,
      { study: OUTREACH_STUDY, arm: 'visits', program: 'home_visits', config: { chronic_threshold: 0.05 } },
      ACTOR,
    );
  } finally {
    files.remove();
  }
}
