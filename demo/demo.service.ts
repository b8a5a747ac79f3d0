import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomizeStudy, type RandomizeResult } from '../assignment/assignment.service.ts';
import type { Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { importFile, type ImportSummary, type ProgressFn, type RequestedKind } from '../cohorts/imports/import.service.ts';
import { findStudy, type StudyCounts } from '../cohorts/study.store.ts';
import { createStudy, enrollDistrict, showStudy } from '../cohorts/study.service.ts';
import { readDistrictsCsv } from '../synth/district-files.ts';
import { writeSyntheticStudy } from '../synth/synth.service.ts';

export interface DemoOptions {
  /** Where the synthetic district files are written. */
  dataDir: string;
  districts: number;
  students: number;
  seed: string;
  slug: string;
  oneroster: number;
}

export interface DemoResult {
  slug: string;
  dataDir: string;
  districts: number;
  imports: ImportSummary[];
  counts: StudyCounts;
  randomization: RandomizeResult;
}

export type DemoStep = (message: string) => void;

/** A slug not yet taken: the requested one, else slug-2, slug-3, … (the demo can be run again). */
async function freeSlug(db: Db, slug: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? slug : `${slug}-${n}`;
    if (!(await findStudy(db.kysely, candidate))) return candidate;
  }
}

/**
 * Pilot's main job on synthetic data, end to end: generate a multi-district rural study, create it
 * (household-randomized, blocked by district and grade band, seed derived from the demo seed so the
 * whole run is reproducible), enroll every district, import every file, and randomize.
 */
export async function runDemo(
  db: Db,
  o: DemoOptions,
  actor: string,
  step: DemoStep,
  progress?: ProgressFn,
): Promise<DemoResult> {
  await migrateToLatest(db);
  step(
    `generating ${o.students} synthetic students in ${o.districts} rural districts (seed ${o.seed}) into ${o.dataDir}`,
  );
  await writeSyntheticStudy(o.dataDir, {
    districts: o.districts,
    students: o.students,
    seed: o.seed,
    year: 2025,
    oneroster: o.oneroster,
    exceptions: false,
  });
  const slug = await freeSlug(db, o.slug);
  const studySeed = createHash('sha256').update(`pilot-demo|${o.seed}`).digest('hex').slice(0, 32);
  const study = await createStudy(
    db,
    {
      slug,
      name: `Demo: monthly caregiver messages (${o.districts} districts)`,
      unit: 'household',
      arms: 'control:0.5,treatment:0.5',
      blockBy: 'district,grade_band',
      seed: studySeed,
    },
    actor,
  );
  step(`created study ${study.slug}; seed commitment ${study.seedCommitment}`);
  const districts = readDistrictsCsv(await readFile(join(o.dataDir, 'districts.csv'), 'utf8'));
  const imports: ImportSummary[] = [];
  for (const d of districts) {
    await enrollDistrict(
      db,
      { study: slug, leaid: d.leaid, name: d.name, state: d.state, locale: d.locale, allowNonrural: false },
      actor,
    );
    const dir = join(o.dataDir, d.leaid);
    const files: [RequestedKind, string][] = existsSync(join(dir, 'oneroster.zip'))
      ? [['roster', 'oneroster.zip']]
      : [
          ['schools', 'schools.csv'],
          ['roster', 'students.csv'],
          ['contacts', 'contacts.csv'],
        ];
    files.push(
      ['calendar', 'calendar.csv'],
      ['enrollment', 'enrollment.csv'],
      ['attendance', 'attendance_daily.csv'],
    );
    for (const [kind, name] of files) {
      imports.push(
        await importFile(
          db,
          { study: slug, leaid: d.leaid, kind, path: join(dir, name) },
          actor,
          kind === 'attendance' ? progress : undefined,
        ),
      );
    }
    step(`enrolled ${d.leaid} ${d.name} (${d.state}, locale ${d.locale}) and imported ${files.length} files`);
  }
  const randomization = await randomizeStudy(db, { study: slug, actor });
  step(
    `randomized ${randomization.units} households (${randomization.students} students) in ${randomization.blocks.length} blocks`,
  );
  const { counts } = await showStudy(db, slug);
  return { slug, dataDir: o.dataDir, districts: districts.length, imports, counts, randomization };
}
