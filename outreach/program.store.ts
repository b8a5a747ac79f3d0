import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/types.ts';
import type { ProgramConfig, ProgramKind } from './program-config.ts';
import type { ProgramRecord, TemplateRecord } from './records.ts';
export type { ProgramRecord, TemplateRecord };

export async function loadPrograms(db: Kysely<Database>, studyId: number): Promise<ProgramRecord[]> {
  const rows = await db
    .selectFrom('program')
    .select(['id', 'arm', 'kind', 'config', 'version'])
    .where('study_id', '=', studyId)
    .orderBy('arm')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    arm: r.arm,
    kind: r.kind,
    config: r.config as ProgramConfig,
    version: r.version,
  }));
}

export async function lockPrograms(trx: Transaction<Database>, studyId: number): Promise<void> {
  await trx.selectFrom('study').select('id').where('id', '=', studyId).forUpdate().execute();
}

export async function insertProgram(
  trx: Transaction<Database>,
  p: { studyId: number; arm: string; kind: ProgramKind; config: ProgramConfig },
): Promise<void> {
  await trx
    .insertInto('program')
    .values({ study_id: p.studyId, arm: p.arm, kind: p.kind, config: JSON.stringify(p.config) })
    .execute();
}

export async function updateProgram(
  trx: Transaction<Database>,
  id: number,
  p: { kind: ProgramKind; config: ProgramConfig; version: number },
): Promise<void> {
  await trx
    .updateTable('program')
    .set({ kind: p.kind, config: JSON.stringify(p.config), version: p.version, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** Whether any batch of this kind was generated in the study. */
export async function hasBatches(
  db: Kysely<Database>,
  studyId: number,
  kind: 'monthly_summary' | 'alerts',
): Promise<boolean> {
  const r = await db
    .selectFrom('message_batch')
    .select('id')
    .where('study_id', '=', studyId)
    .where('kind', '=', kind)
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/** The newest version of each template (purpose, language) of a study. */
export async function loadTemplates(db: Kysely<Database>, studyId: number): Promise<TemplateRecord[]> {
  const rows = await db
    .selectFrom('message_template')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('purpose')
    .orderBy('language')
    .orderBy('version', 'desc')
    .execute();
  const seen = new Set<string>();
  const out: TemplateRecord[] = [];
  for (const r of rows) {
    const key = `${r.purpose}|${r.language}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      id: r.id,
      purpose: r.purpose,
      language: r.language,
      version: r.version,
      body: r.body,
      encoding: r.encoding,
      maxSegments: r.max_segments,
    });
  }
  return out;
}

export async function insertTemplate(
  trx: Transaction<Database>,
  t: Omit<TemplateRecord, 'id'> & { studyId: number },
): Promise<TemplateRecord> {
  const r = await trx
    .insertInto('message_template')
    .values({
      study_id: t.studyId,
      purpose: t.purpose,
      language: t.language,
      version: t.version,
      body: t.body,
      encoding: t.encoding,
      max_segments: t.maxSegments,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...t, id: r.id };
}
