import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { Config } from '../../../../config.ts';
import { cliConfig, runPilot } from '../../../helpers/cli.ts';
import { testDialect } from '../../../helpers/database.ts';
import {
  calendarCsv,
  CONTACTS_CSV,
  DAILY_HEADER,
  dailyCsv,
  dailyRows,
  ENROLLMENT_CSV,
  instructionalDays,
  LEAID,
  SCHOOLS_CSV,
  STUDENTS_CSV,
} from './fixture-district.ts';
import { TempFiles } from './import-helpers.ts';

describe(`pilot import and pilot study show from the CLI (${testDialect})`, () => {
  const files = new TempFiles();
  let config: Config;
  let drop: () => Promise<void>;

  const pilot = (...args: string[]) => runPilot(config, ...args);
  const ok = async (...args: string[]) => {
    const r = await pilot(...args);
    if (r.code !== 0) throw new Error(`pilot ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const importCsv = (kind: string, name: string, text: string, ...extra: string[]) =>
    pilot('import', kind, files.write(name, text), '--study', 'cli', '--district', LEAID, '--json', ...extra);

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(files.dir, 'pilot-data')));
    await ok('init');
    await ok(
      'study',
      'create',
      '--slug',
      'cli',
      '--name',
      'CLI study',
      '--unit',
      'household',
      '--arms',
      'control:0.5,treatment:0.5',
      '--block-by',
      'district',
      '--json',
    );
    await ok(
      'district',
      'enroll',
      '--study',
      'cli',
      '--leaid',
      LEAID,
      '--name',
      'Fixture',
      '--state',
      'AL',
      '--locale',
      '42',
      '--json',
    );
  });
  afterAll(async () => {
    await drop();
    files.remove();
  });

  it('imports each file and prints a JSON summary', async () => {
    for (const [kind, name, text, rows] of [
      ['schools', 'schools.csv', SCHOOLS_CSV, 2],
      ['roster', 'students.csv', STUDENTS_CSV, 4],
      ['contacts', 'contacts.csv', CONTACTS_CSV, 4],
      ['calendar', 'calendar.csv', calendarCsv(), 4 + 2 * instructionalDays().length],
      ['enrollment', 'enrollment.csv', ENROLLMENT_CSV, 4],
    ] as const) {
      const r = await importCsv(kind, name, text);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ file: name, status: 'imported', rows_read: rows });
    }
    const rows = dailyRows();
    const r = await importCsv('attendance', 'attendance.csv', dailyCsv(rows));
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: 'attendance_daily',
      status: 'imported',
      rows_read: rows.length,
      inserted: rows.length,
    });
  });

  it('a bad file exits non-zero and names file:line:column on stderr; nothing is imported', async () => {
    const text = `${DAILY_HEADER}\n000101,2025-09-02,present,0,,P\n000999,2025-09-03,present,0,,P\n000101,09/04/2025,present,0,,P\n000101,2025-09-05,present\n`;
    const r = await importCsv('attendance', 'bad-attendance.csv', text);
    expect(r.code).toBe(65);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: bad-attendance\.csv: 3 problems; nothing was imported/);
    expect(r.stderr).toContain(
      "  bad-attendance.csv:3:student_id: student 000999 is not on this district's roster",
    );
    expect(r.stderr).toContain("  bad-attendance.csv:4:date: date '09/04/2025' looks like MM/DD/YYYY");
    expect(r.stderr).toContain('  bad-attendance.csv:5: line has 3 fields but the header has 6');
  });

  it('the same file again reports already_imported', async () => {
    const r = await importCsv('attendance', 'attendance.csv', dailyCsv(dailyRows()));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'already_imported', inserted: 0 });
    const text = await pilot(
      'import',
      'attendance',
      files.write('attendance.csv', dailyCsv(dailyRows())),
      '--study',
      'cli',
      '--district',
      LEAID,
    );
    expect(text.stdout).toMatch(/already imported .*nothing changed/);
  });

  it('pilot study show --json prints the counts of everything imported', async () => {
    const r = await ok('study', 'show', '--study', 'cli', '--json');
    const shown = JSON.parse(r.stdout);
    expect(shown.counts).toEqual({
      districts: 1,
      schools: 2,
      students: 4,
      households: 3,
      caregivers: 3,
      calendar_days: 4 + 2 * instructionalDays().length,
      enrollments: 4,
      attendance_days: dailyRows().length,
      attendance_months: 0,
      imports: 6,
    });
    expect(shown.districts).toEqual([{ leaid: LEAID, name: 'Fixture', state: 'AL', locale_code: 42 }]);
  });

  it('a six-digit LEAID is refused at enrollment with a non-zero exit', async () => {
    const r = await pilot(
      'district',
      'enroll',
      '--study',
      'cli',
      '--leaid',
      '100005',
      '--name',
      'Stripped',
      '--state',
      'AL',
      '--locale',
      '42',
    );
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/LEAID "100005" has 6 digits.*"0100005"/);
  });
});
