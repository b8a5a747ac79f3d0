import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { AppError } from '../errors.ts';
import {
  buildDistrict,
  districtAttendance,
  isChronicallyAbsent,
  type DistrictData,
} from './district-data.ts';
import {
  calendarCsv,
  contactsCsv,
  districtsCsv,
  enrollmentCsv,
  HEADERS,
  schoolsCsv,
  studentsCsv,
} from './district-files.ts';
import { planDistricts } from './district-plan.ts';
import { oneRosterFiles, zipFiles } from './oneroster.ts';
import { buildManifest, type DistrictSummary, type SynthManifest } from './synth-manifest.ts';
import { parseSynthParams } from './synth-params.ts';
import type { Rng } from './random.ts';
import type { SynthParams } from './types.ts';

export interface SynthProgress {
  studentsDone: number;
  studentsTotal: number;
  attendanceRows: number;
}

/** Attendance text is handed to the file system in pieces of about this many characters. */
const FLUSH_CHARS = 8 * 1024 * 1024;

/** An independent seeded stream per purpose, so adding a district or a flag leaves the others unchanged. */
function rngFor(seed: string, label: string): Rng {
  return seedrandom.alea(`${seed}|${label}`);
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n - 1; // minus the header
}

async function writeAttendance(
  path: string,
  district: DistrictData,
  params: SynthParams,
  progress: SynthProgress,
  onProgress: (p: SynthProgress) => void,
): Promise<Pick<DistrictSummary, 'attendanceRows' | 'eligibleStudents' | 'chronicallyAbsent'>> {
  const file = await open(path, 'w');
  const result = { attendanceRows: 0, eligibleStudents: 0, chronicallyAbsent: 0 };
  try {
    let parts: string[] = [HEADERS.attendance.join(',') + '\n'];
    let size = 0;
    const rng = rngFor(params.seed, `district|${district.plan.index}|attendance`);
    for (const student of districtAttendance(district, params.exceptions, rng)) {
      parts.push(student.csv);
      size += student.csv.length;
      result.attendanceRows += student.rows;
      progress.attendanceRows += student.rows;
      progress.studentsDone += 1;
      const chronic = isChronicallyAbsent(student.enrolledDays, student.absenceDays);
      if (chronic !== null) result.eligibleStudents += 1;
      if (chronic) result.chronicallyAbsent += 1;
      if (size >= FLUSH_CHARS) {
        await file.write(parts.join(''));
        parts = [];
        size = 0;
        onProgress(progress);
      }
    }
    await file.write(parts.join(''));
    onProgress(progress);
  } finally {
    await file.close();
  }
  return result;
}

/** Writes one district's folder and returns what it holds. */
async function writeDistrict(
  outDir: string,
  district: DistrictData,
  params: SynthParams,
  progress: SynthProgress,
  onProgress: (p: SynthProgress) => void,
): Promise<DistrictSummary> {
  const { plan, roster, calendar } = district;
  const dir = join(outDir, plan.leaid);
  await mkdir(dir, { recursive: true });
  // Each file is written as soon as it is built, so only one is held in memory at a time.
  const files: string[] = [];
  const write = async (name: string, content: string | Uint8Array) => {
    await writeFile(join(dir, name), content);
    files.push(name);
  };
  if (plan.format === 'oneroster') {
    await write('oneroster.zip', zipFiles(oneRosterFiles(plan, roster, calendar, params.year), params.year));
  } else {
    await write('schools.csv', schoolsCsv(plan));
    await write('students.csv', studentsCsv(roster));
    await write('contacts.csv', contactsCsv(roster));
  }
  const calendarText = calendarCsv(plan, calendar);
  await write('calendar.csv', calendarText);
  await write('enrollment.csv', enrollmentCsv(roster, calendar));
  const enrollmentRows = roster.students.reduce((n, s) => n + s.windows.length, 0);
  const attendance = await writeAttendance(
    join(dir, 'attendance_daily.csv'),
    district,
    params,
    progress,
    onProgress,
  );
  return {
    leaid: plan.leaid,
    name: plan.name,
    state: plan.state,
    localeCode: plan.localeCode,
    format: plan.format,
    files: [...files, 'attendance_daily.csv'],
    schools: plan.schools.length,
    students: roster.students.length,
    households: roster.households.length,
    contacts: roster.contacts.length,
    calendarRows: countLines(calendarText),
    instructionalDays: calendar.instructional.length,
    enrollmentRows,
    ...attendance,
  };
}

/** The manifest of an earlier run in `outDir`, or null when there is none (or it is not ours). */
async function previousManifest(outDir: string): Promise<{ districts?: { leaid?: unknown }[] } | null> {
  try {
    const parsed = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8'));
    return typeof parsed?.generator === 'string' && parsed.generator.startsWith('pilot-synth')
      ? parsed
      : null;
  } catch {
    return null;
  }
}

/**
 * Makes `outDir` ready: created when missing; when it holds an earlier `pilot synth` output, that
 * output's own files and district folders are removed so no stale district survives; any other
 * non-empty folder is refused rather than mixed with synthetic files.
 */
async function prepareOutDir(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const entries = await readdir(outDir);
  if (entries.length === 0) return;
  const previous = await previousManifest(outDir);
  if (!previous) {
    throw new AppError(
      'CONFLICT',
      `${outDir} is not empty and holds no earlier pilot synth output; choose an empty or new folder`,
    );
  }
  for (const d of previous.districts ?? []) {
    if (typeof d.leaid === 'string' && /^[0-9]{7}$/.test(d.leaid))
      await rm(join(outDir, d.leaid), { recursive: true, force: true });
  }
  await rm(join(outDir, 'districts.csv'), { force: true });
  await rm(join(outDir, 'manifest.json'), { force: true });
}

/**
 * Generates a synthetic multi-district study into `outDir` (see `pilot synth --help` for the
 * layout). Deterministic: the same parameters give byte-identical files. Memory is bounded by the
 * largest district's roster; attendance is streamed.
 */
export async function writeSyntheticStudy(
  outDir: string,
  input: SynthParams,
  onProgress: (p: SynthProgress) => void = () => {},
): Promise<SynthManifest> {
  const parsed = parseSynthParams(input);
  if (!parsed.ok)
    throw new AppError('BAD_INPUT', `invalid synth options: ${parsed.problems.join('; ')}`, {
      reasons: parsed.problems,
    });
  const params = parsed.params;
  const plans = planDistricts(params, rngFor(params.seed, 'plan'));
  await prepareOutDir(outDir);
  await writeFile(join(outDir, 'districts.csv'), districtsCsv(plans));
  const progress: SynthProgress = { studentsDone: 0, studentsTotal: params.students, attendanceRows: 0 };
  const summaries: DistrictSummary[] = [];
  for (const plan of plans) {
    const district = buildDistrict(plan, params.year, rngFor(params.seed, `district|${plan.index}|roster`));
    summaries.push(await writeDistrict(outDir, district, params, progress, onProgress));
  }
  const manifest = buildManifest(params, plans, summaries);
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
