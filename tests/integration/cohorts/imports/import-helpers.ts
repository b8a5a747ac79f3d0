import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { sql } from 'kysely';
import type { Db } from '../../../../db/connection.ts';
import {
  importFile,
  type ImportRequest,
  type ImportSummary,
  type RequestedKind,
} from '../../../../cohorts/imports/import.service.ts';
import { createStudy, enrollDistrict } from '../../../../cohorts/study.service.ts';
import { AppError, type InputProblem } from '../../../../errors.ts';
import {
  calendarCsv,
  CONTACTS_CSV,
  ENROLLMENT_CSV,
  LEAID,
  SCHOOLS_CSV,
  STATE,
  STUDENTS_CSV,
} from './fixture-district.ts';

export const ACTOR = 'test:imports';

/** A temporary folder for the files one test file imports. */
export class TempFiles {
  readonly dir = mkdtempSync(join(tmpdir(), 'pilot-imports-'));
  private n = 0;

  /** Writes content under a fresh sub-folder (so names can repeat) and returns its path. */
  write(name: string, content: string | Uint8Array): string {
    const sub = join(this.dir, String(this.n++));
    mkdirSync(sub, { recursive: true });
    const path = join(sub, name);
    writeFileSync(path, content);
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A study (created through the service, so audited) with one district enrolled. */
export async function studyWithDistrict(db: Db, slug: string, leaid = LEAID, state = STATE): Promise<void> {
  await createStudy(
    db,
    {
      slug,
      name: `Imports ${slug}`,
      unit: 'household',
      arms: 'control:0.5,treatment:0.5',
      blockBy: 'district',
    },
    ACTOR,
  );
  await enrollDistrict(db, { study: slug, leaid, name: `District ${leaid}`, state, locale: 42 }, ACTOR);
}

export function importer(db: Db, files: TempFiles, study: string, leaid = LEAID) {
  return (
    kind: RequestedKind,
    name: string,
    content: string | Uint8Array,
    extra: Partial<ImportRequest> = {},
  ): Promise<ImportSummary> =>
    importFile(db, { study, leaid, kind, path: files.write(name, content), ...extra }, ACTOR);
}

/** Imports the fixture district's schools, roster, contacts, calendar and enrollment. */
export async function importFixtureBase(imp: ReturnType<typeof importer>): Promise<void> {
  await imp('schools', 'schools.csv', SCHOOLS_CSV);
  await imp('roster', 'students.csv', STUDENTS_CSV);
  await imp('contacts', 'contacts.csv', CONTACTS_CSV);
  await imp('calendar', 'calendar.csv', calendarCsv());
  await imp('enrollment', 'enrollment.csv', ENROLLMENT_CSV);
}

/**
 * Everything the database holds, table by table: row count and a digest of the rows' text, so
 * "nothing changed" is checked by content as well as by counts.
 */
export async function snapshot(db: Db): Promise<Record<string, { rows: number; digest: string | null }>> {
  const tables = await sql<{
    tablename: string;
  }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`.execute(db.kysely);
  const out: Record<string, { rows: number; digest: string | null }> = {};
  for (const { tablename } of tables.rows) {
    const r = await sql<{ rows: number; digest: string | null }>`
      SELECT count(*)::int AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ${sql.table(tablename)} t`.execute(
      db.kysely,
    );
    out[tablename] = r.rows[0];
  }
  return out;
}

/** The id of the district a study enrolled (the fixture district: one per study). */
export async function studyDistrictId(db: Db, study: string): Promise<number> {
  const d = await db.kysely
    .selectFrom('district')
    .innerJoin('study', 'study.id', 'district.study_id')
    .select('district.id')
    .where('study.slug', '=', study)
    .executeTakeFirstOrThrow();
  return d.id;
}

export async function count(db: Db, table: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db.kysely);
  return r.rows[0].n;
}

/** Awaits a refused import and returns its AppError (code BAD_INPUT expected by the caller). */
export async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected the import to be refused, but it succeeded');
}

export function problemsOf(e: AppError): InputProblem[] {
  return (e.details as { problems?: InputProblem[] } | undefined)?.problems ?? [];
}

/** Asserts a BAD_INPUT refusal carrying a problem at file/line/column whose reason matches. */
export function expectProblem(
  e: AppError,
  want: { file: string; line: number; column: string | null; reason: RegExp },
): void {
  expect(e.code).toBe('BAD_INPUT');
  const problems = problemsOf(e);
  const hit = problems.find(
    (p) =>
      p.file === want.file && p.line === want.line && p.column === want.column && want.reason.test(p.reason),
  );
  if (!hit)
    throw new Error(
      `no problem ${JSON.stringify({ ...want, reason: String(want.reason) })} among ${JSON.stringify(problems, null, 1)}`,
    );
}

/** Student ids (sis) → database ids of one district. */
export async function studentIds(db: Db): Promise<Map<string, number>> {
  const rows = await db.kysely.selectFrom('student').select(['id', 'sis_id']).execute();
  return new Map(rows.map((r) => [r.sis_id, r.id]));
}
