/**
 * `pilot plan set|lock|show`: a study's pre-registered analysis plan. Setting stores a new version
 * (the validated plan with its defaults, as canonical JSON, and its SHA-256); locking freezes the
 * latest version for good; once a version is locked no new version can be set.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { appendAuditEvent } from '../db/audit.store.ts';
import { canonicalJson } from '../db/canonical-json.ts';
import type { Db } from '../db/connection.ts';
import { findStudy, type StudyRecord } from '../cohorts/study.store.ts';
import { AppError, type InputProblem } from '../errors.ts';
import { parsePlan, planStudyProblems, type AnalysisPlan } from './analysis-plan.ts';
import { insertPlan, latestPlan, lockStudyRow, setPlanLocked, type StoredPlan } from './plan.store.ts';

export interface PlanView {
  study: string;
  version: number;
  sha256: string;
  locked: boolean;
  lockedAt: Date | null;
  plan: AnalysisPlan;
  /** false when `set` found the same plan already stored as the latest version */
  changed?: boolean;
}

export async function requireStudy(db: Db, slug: string): Promise<StudyRecord> {
  const study = await findStudy(db.kysely, slug);
  if (!study) throw new AppError('NOT_FOUND', `no study "${slug}"`);
  return study;
}

function view(slug: string, p: StoredPlan, changed?: boolean): PlanView {
  const parsed = parsePlan(p.body);
  if (!parsed.ok) throw new AppError('INTERNAL', `stored plan version ${p.version} no longer validates`);
  return {
    study: slug,
    version: p.version,
    sha256: p.sha256,
    locked: p.lockedAt !== null,
    lockedAt: p.lockedAt,
    plan: parsed.plan,
    changed,
  };
}

/** Reads and validates a plan file; problems are located by file, line and column (JSON) or field. */
export async function readPlanFile(file: string): Promise<AnalysisPlan> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AppError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_INPUT',
      `${file}: cannot be read (${code ?? String(error)})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const problem = jsonProblem(file, text, (error as Error).message);
    throw new AppError('BAD_INPUT', `${file} is not valid JSON`, { problems: [problem] });
  }
  const parsed = parsePlan(value);
  if (!parsed.ok)
    throw new AppError('BAD_INPUT', `${file} is not a valid analysis plan`, {
      problems: parsed.problems.map((reason) => ({ file, line: 1, column: reason.split(':')[0], reason })),
    });
  return parsed.plan;
}

function jsonProblem(file: string, text: string, message: string): InputProblem {
  const at = /position (\d+)/.exec(message);
  if (!at) return { file, line: 1, column: null, reason: message };
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = Number(at[1]) - before.lastIndexOf('\n');
  return { file, line, column: String(column), reason: message.replace(/ in JSON at position \d+.*$/, '') };
}

export async function setPlan(db: Db, slug: string, plan: AnalysisPlan, actor: string): Promise<PlanView> {
  const study = await requireStudy(db, slug);
  const problems = planStudyProblems(
    plan,
    study.arms.map((a) => a.name),
  );
  if (problems.length)
    throw new AppError('BAD_INPUT', `the plan does not fit study ${slug}: ${problems.join('; ')}`);
  const body = canonicalJson(plan);
  const sha256 = createHash('sha256').update(body).digest('hex');
  return db.kysely.transaction().execute(async (trx) => {
    await lockStudyRow(trx, study.id);
    const latest = await latestPlan(trx, study.id);
    if (latest?.lockedAt)
      throw new AppError(
        'CONFLICT',
        `analysis plan version ${latest.version} of ${slug} is locked: a locked plan cannot change (estimates outside it are reported as exploratory)`,
      );
    if (latest && latest.sha256 === sha256) return view(slug, latest, false);
    const stored = await insertPlan(trx, {
      studyId: study.id,
      version: (latest?.version ?? 0) + 1,
      body,
      sha256,
      actor,
    });
    await appendAuditEvent(trx, {
      actor,
      action: 'plan.set',
      entity: `study:${slug}/plan:${stored.version}`,
      details: { sha256 },
    });
    return view(slug, stored, true);
  });
}

export async function lockPlan(db: Db, slug: string, actor: string): Promise<PlanView> {
  const study = await requireStudy(db, slug);
  return db.kysely.transaction().execute(async (trx) => {
    await lockStudyRow(trx, study.id);
    const latest = await latestPlan(trx, study.id);
    if (!latest)
      throw new AppError('NOT_FOUND', `study ${slug} has no analysis plan: set one first (pilot plan set)`);
    if (latest.lockedAt)
      throw new AppError('CONFLICT', `analysis plan version ${latest.version} of ${slug} is already locked`);
    const locked = await setPlanLocked(trx, latest.id, actor);
    await appendAuditEvent(trx, {
      actor,
      action: 'plan.lock',
      entity: `study:${slug}/plan:${locked.version}`,
      details: { sha256: locked.sha256 },
    });
    return view(slug, locked, true);
  });
}

export async function showPlan(db: Db, slug: string): Promise<PlanView> {
  const study = await requireStudy(db, slug);
  const latest = await latestPlan(db.kysely, study.id);
  if (!latest)
    throw new AppError('NOT_FOUND', `study ${slug} has no analysis plan: set one first (pilot plan set)`);
  return view(slug, latest);
}
