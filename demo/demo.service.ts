import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePlan } from '../analysis/analysis-plan.ts';
import { lockPlan, setPlan } from '../analysis/plan.service.ts';
import { randomizeStudy, type RandomizeResult } from '../assignment/assignment.service.ts';
import { loadStoredMembers } from '../assignment/assignment.store.ts';
import { analyzeStudy, districtReport } from '../reports/report.service.ts';
import { applyEffect, reached, splitAttendance, type DemoEffectParams } from './demo-effect.ts';
import type { Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import {
  importFile,
  type ImportSummary,
  type ProgressFn,
  type RequestedKind,
} from '../cohorts/imports/import.service.ts';
import { findStudy, type StudyCounts } from '../cohorts/study.store.ts';
import { createStudy, enrollDistrict, showStudy } from '../cohorts/study.service.ts';
import { readDistrictsCsv } from '../synth/district-files.ts';
import { writeSyntheticStudy } from '../synth/synth.service.ts';
import { runOutreachDemo, type OutreachDemoResult } from '../outreach/demo-outreach.service.ts';

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
  outreach: OutreachDemoResult;
  analysis: DemoAnalysis;
}

/** What the demo's analysis found beside the truth it planted. */
export interface DemoAnalysis {
  reportDir: string;
  headline: string;
  itt: { estimate: number; confLow: number; confHigh: number } | null;
  cace: { estimate: number; confLow: number; confHigh: number } | null;
  trueItt: number;
  trueCace: number;
  reachedShare: number;
  districtReports: string[];
}

/** The demo's program: monthly messages from October to April, three in four households reached. */
const FOLLOW_UP = { start: '2025-10-01', end: '2026-04-30' };
const BASELINE = { start: '2025-08-01', end: '2025-09-30' };
const DELIVERY_RATE = 0.75;
const EFFECT = 0.08;

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
    const split = splitAttendance(await readFile(join(dir, 'attendance_daily.csv'), 'utf8'), FOLLOW_UP.start);
    await writeFile(join(dir, 'attendance_baseline.csv'), split.baseline);
    await writeFile(join(dir, 'attendance_followup_untreated.csv'), split.followUp);
    files.push(
      ['calendar', 'calendar.csv'],
      ['enrollment', 'enrollment.csv'],
      ['attendance', 'attendance_baseline.csv'],
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
  const effect: DemoEffectParams = {
    seed: o.seed,
    deliveryRate: DELIVERY_RATE,
    effect: EFFECT,
    followUpStart: FOLLOW_UP.start,
    followUpEnd: FOLLOW_UP.end,
  };
  const truth = await followUp(
    db,
    slug,
    o,
    districts.map((d) => d.leaid),
    effect,
    actor,
    imports,
    step,
    progress,
  );
  const outreach = await runOutreachDemo(
    db,
    { slug, dataDir: o.dataDir, seed: o.seed, arm: 'treatment' },
    actor,
    step,
  );
  const { counts } = await showStudy(db, slug);
  const analysis = await analyze(db, slug, o, truth, actor, step);
  return {
    slug,
    dataDir: o.dataDir,
    districts: districts.length,
    imports,
    counts,
    randomization,
    outreach,
    analysis,
  };
}

interface Truth {
  removed: number;
  treated: number;
  reachedStudents: number;
  dose: Map<string, number>;
}

/**
 * Months of messages: each program household is reached or not, the effect acts on reached
 * students' follow-up attendance, and the follow-up files are imported.
 */
async function followUp(
  db: Db,
  slug: string,
  o: DemoOptions,
  leaids: string[],
  p: DemoEffectParams,
  actor: string,
  imports: ImportSummary[],
  step: DemoStep,
  progress?: ProgressFn,
): Promise<Truth> {
  const study = await findStudy(db.kysely, slug);
  const control = study!.arms[0].name;
  const members = await loadStoredMembers(db.kysely, study!.id);
  const dose = new Map<string, number>();
  const byDistrict = new Map<string, Set<string>>();
  let treated = 0;
  for (const m of members) {
    if (m.arm === control) continue;
    treated++;
    const got = reached(p, m.unitKey) ? 1 : 0;
    dose.set(m.studentKey, got);
    if (!got) continue;
    const [, leaid, sis] = m.studentKey.split(':');
    if (!byDistrict.has(leaid)) byDistrict.set(leaid, new Set());
    byDistrict.get(leaid)!.add(sis);
  }
  let removed = 0;
  for (const leaid of leaids) {
    const dir = join(o.dataDir, leaid);
    const untreated = await readFile(join(dir, 'attendance_followup_untreated.csv'), 'utf8');
    const applied = applyEffect(untreated, byDistrict.get(leaid) ?? new Set(), p, leaid);
    for (const v of applied.removed.values()) removed += v;
    await writeFile(join(dir, 'attendance_followup.csv'), applied.text);
    imports.push(
      await importFile(
        db,
        { study: slug, leaid, kind: 'attendance', path: join(dir, 'attendance_followup.csv') },
        actor,
        progress,
      ),
    );
  }
  const reachedStudents = [...dose.values()].filter((v) => v === 1).length;
  step(
    `sent seven months of messages: ${reachedStudents} of ${treated} program students reached; imported the follow-up attendance`,
  );
  return { removed, treated, reachedStudents, dose };
}

async function analyze(
  db: Db,
  slug: string,
  o: DemoOptions,
  truth: Truth,
  actor: string,
  step: DemoStep,
): Promise<DemoAnalysis> {
  const parsed = parsePlan({
    title: 'Demo analysis plan',
    window: FOLLOW_UP,
    baseline_window: BASELINE,
    estimator: { covariates: ['prior_year_absence_rate', 'baseline_absence_rate'] },
    cost_per_student: { treatment: 4.07 },
  });
  if (!parsed.ok) throw new Error(`demo plan: ${parsed.problems.join('; ')}`);
  await setPlan(db, slug, parsed.plan, actor);
  await lockPlan(db, slug, actor);
  step('set and locked the analysis plan');
  const reportDir = join(o.dataDir, `report-${slug}`);
  const r = await analyzeStudy(db, { study: slug, out: reportDir }, actor);
  step(`analyzed: ${join(reportDir, 'report.html')}`);
  const pick = (estimand: string) => {
    const e = r.report.estimates.find(
      (x) => x.outcome === 'absence_days' && x.estimand === estimand && x.subgroup === null,
    );
    return e && e.estimate !== null
      ? { estimate: e.estimate, confLow: e.conf_low!, confHigh: e.conf_high! }
      : null;
  };
  const districtReports: string[] = [];
  for (const leaid of [
    ...new Set(
      r.report.disaggregation
        .filter((d) => d.dimension === 'district' && d.level !== 'all')
        .map((d) => d.level),
    ),
  ]) {
    const out = join(reportDir, 'districts', leaid);
    await districtReport(db, { study: slug, leaid, out }, actor);
    districtReports.push(join(out, 'report.html'));
  }
  step(`wrote ${districtReports.length} district partner reports`);
  const treatedAnalyzed =
    r.report.flow.find((f) => f.arm !== r.report.flow[0].arm)?.analyzed ?? truth.treated;
  return {
    reportDir,
    headline: r.report.headline,
    itt: pick('ITT'),
    cace: pick('CACE'),
    trueItt: -truth.removed / treatedAnalyzed,
    trueCace: -truth.removed / truth.reachedStudents,
    reachedShare: truth.reachedStudents / truth.treated,
    districtReports,
  };
}
