import { readFile } from 'node:fs/promises';
import type { Db } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { normalizeLanguage } from '../cohorts/imports/normalize/language.ts';
import { requireStudy } from '../cohorts/study.service.ts';
import { parseProgramConfig, type ProgramKind } from './program-config.ts';
import {
  hasBatches,
  insertProgram,
  insertTemplate,
  loadPrograms,
  loadTemplates,
  lockPrograms,
  updateProgram,
  type ProgramRecord,
  type TemplateRecord,
} from './program.store.ts';
import {
  checkTemplate,
  DEFAULT_MAX_SEGMENTS,
  SHIPPED_TEMPLATES,
  TEMPLATE_PURPOSES,
  type TemplatePurpose,
} from './templates.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../db/types.ts';

export type { ProgramRecord, TemplateRecord } from './program.store.ts';

export interface SetProgramInput {
  study: string;
  arm: string;
  program: string;
  /** A JSON file holding the program's configuration (defaults apply when absent). */
  configPath?: string;
  /** The configuration itself (over HTTP), instead of a file. */
  config?: unknown;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new AppError('BAD_INPUT', `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new AppError('BAD_INPUT', `${path} is not valid JSON: ${(e as Error).message}`);
  }
}

function batchKindOf(kind: ProgramKind): 'monthly_summary' | 'alerts' | null {
  return kind === 'monthly_summary' ? 'monthly_summary' : kind === 'threshold_alerts' ? 'alerts' : null;
}

/** Stores the shipped English and Spanish templates (version 1) the first time a study gets a program. */
async function seedTemplates(trx: Transaction<Database>, studyId: number): Promise<void> {
  const have = await loadTemplates(trx, studyId);
  for (const purpose of TEMPLATE_PURPOSES) {
    for (const [language, body] of Object.entries(SHIPPED_TEMPLATES[purpose])) {
      if (have.some((t) => t.purpose === purpose && t.language === language)) continue;
      const check = checkTemplate(body, DEFAULT_MAX_SEGMENTS);
      if (!check.ok)
        throw new AppError('INTERNAL', `shipped template ${purpose}/${language}: ${check.problems[0]}`);
      await insertTemplate(trx, {
        studyId,
        purpose,
        language,
        version: 1,
        body,
        encoding: check.worstCase.encoding,
        maxSegments: DEFAULT_MAX_SEGMENTS,
      });
    }
  }
}

/**
 * Sets the program an arm receives (`pilot program set`). The configuration is validated (defaults
 * filled in); a change is refused once a batch of the arm's current program was generated; every set
 * is an audit event with the previous program.
 */
export async function setProgram(db: Db, input: SetProgramInput, actor: string): Promise<ProgramRecord> {
  const study = await requireStudy(db, input.study);
  if (!study.arms.some((a) => a.name === input.arm))
    throw new AppError(
      'BAD_INPUT',
      `arm "${input.arm}" is not an arm of study ${study.slug} (${study.arms.map((a) => a.name).join(', ')})`,
    );
  const raw = input.config ?? (input.configPath ? await readJson(input.configPath) : {});
  const parsed = parseProgramConfig(input.program, raw);
  if (!parsed.ok)
    throw new AppError(
      'BAD_INPUT',
      `program configuration${input.configPath ? ` in ${input.configPath}` : ''}: ${parsed.problems.join('; ')}`,
    );
  return db.kysely.transaction().execute(async (trx) => {
    await lockPrograms(trx, study.id);
    const existing = (await loadPrograms(trx, study.id)).find((p) => p.arm === input.arm);
    if (existing) {
      const batchKind = batchKindOf(existing.kind);
      if (batchKind && (await hasBatches(trx, study.id, batchKind)))
        throw new AppError(
          'CONFLICT',
          `arm ${input.arm}'s program ${existing.kind} cannot change: its first batch was already generated`,
        );
      await updateProgram(trx, existing.id, {
        kind: parsed.kind,
        config: parsed.config,
        version: existing.version + 1,
      });
    } else
      await insertProgram(trx, {
        studyId: study.id,
        arm: input.arm,
        kind: parsed.kind,
        config: parsed.config,
      });
    await seedTemplates(trx, study.id);
    const stored = (await loadPrograms(trx, study.id)).find((p) => p.arm === input.arm)!;
    await appendAuditEvent(trx, {
      actor,
      action: 'program.set',
      entity: `study:${study.slug}/arm:${input.arm}`,
      details: {
        kind: stored.kind,
        version: stored.version,
        config: stored.config,
        previous: existing
          ? { kind: existing.kind, version: existing.version, config: existing.config }
          : null,
      },
    });
    return stored;
  });
}

/** The programs and current templates of a study (shown by `pilot study show`). */
export async function programsOf(
  db: Db,
  studySlug: string,
): Promise<{ programs: ProgramRecord[]; templates: TemplateRecord[] }> {
  const study = await requireStudy(db, studySlug);
  const [programs, templates] = await Promise.all([
    loadPrograms(db.kysely, study.id),
    loadTemplates(db.kysely, study.id),
  ]);
  return { programs, templates };
}

export interface AddTemplateInput {
  study: string;
  purpose: string;
  language: string;
  /** A text file holding the template (the CLI), or */
  path?: string;
  /** the template's text itself (over HTTP). */
  text?: string;
  maxSegments?: number;
}

/**
 * Saves a new version of a template from a text file (`pilot template add`): unknown placeholders
 * and texts that would exceed the SMS segment limit with the longest expected values are refused.
 */
export async function addTemplate(db: Db, input: AddTemplateInput, actor: string): Promise<TemplateRecord> {
  const study = await requireStudy(db, input.study);
  if (!(TEMPLATE_PURPOSES as readonly string[]).includes(input.purpose))
    throw new AppError(
      'BAD_INPUT',
      `purpose must be one of ${TEMPLATE_PURPOSES.join(', ')}, not "${input.purpose}"`,
    );
  const lang = normalizeLanguage(input.language);
  if (!lang.ok) throw new AppError('BAD_INPUT', `language: ${lang.reason}`);
  let body: string;
  try {
    const text = input.text ?? (await readFile(input.path ?? '', 'utf8'));
    body = text.replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
  } catch (e) {
    throw new AppError('BAD_INPUT', `cannot read ${input.path}: ${(e as Error).message}`);
  }
  const maxSegments = input.maxSegments ?? DEFAULT_MAX_SEGMENTS;
  if (!Number.isInteger(maxSegments) || maxSegments < 1 || maxSegments > 10)
    throw new AppError('BAD_INPUT', 'maximum SMS segments must be a whole number from 1 to 10');
  const check = checkTemplate(body, maxSegments);
  if (!check.ok)
    throw new AppError(
      'BAD_INPUT',
      `template ${input.path ?? `(${input.purpose}, ${input.language})`}: ${check.problems.join('; ')}`,
    );
  return db.kysely.transaction().execute(async (trx) => {
    await lockPrograms(trx, study.id);
    const current = (await loadTemplates(trx, study.id)).find(
      (t) => t.purpose === input.purpose && t.language === lang.value,
    );
    const saved = await insertTemplate(trx, {
      studyId: study.id,
      purpose: input.purpose as TemplatePurpose,
      language: lang.value,
      version: (current?.version ?? 0) + 1,
      body,
      encoding: check.worstCase.encoding,
      maxSegments,
    });
    await appendAuditEvent(trx, {
      actor,
      action: 'template.add',
      entity: `study:${study.slug}/template:${input.purpose}/${lang.value}`,
      details: { version: saved.version, body, encoding: saved.encoding, max_segments: maxSegments },
    });
    return saved;
  });
}
