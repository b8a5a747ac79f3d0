import { randomBytes } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import { appendAuditEvent } from '../db/audit.store.ts';
import { AppError } from '../errors.ts';
import { findDistrict, insertDistrict, listDistricts, type DistrictRecord } from './district.store.ts';
import {
  classifyLocale,
  parseArms,
  parseBlockBy,
  parseSeed,
  seedCommitment,
  STATE_FIPS,
  type ParseResult,
} from './study-definition.ts';
import {
  countStudy,
  findStudy,
  insertStudy,
  listStudies,
  setStudyStatus,
  type StudyCounts,
  type StudyRecord,
} from './study.store.ts';

export interface CreateStudyInput {
  slug: string;
  name: string;
  unit: string;
  arms: string;
  blockBy?: string;
  /** Hex seed; generated from crypto randomness when absent. */
  seed?: string;
}

function required<T>(r: ParseResult<T>, what: string): T {
  if (!r.ok) throw new AppError('BAD_INPUT', `${what}: ${r.reason}`);
  return r.value;
}

export async function createStudy(db: Db, input: CreateStudyInput, actor: string): Promise<StudyRecord> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(input.slug)) {
    throw new AppError(
      'BAD_INPUT',
      `study slug "${input.slug}" must be lower-case letters, digits and dashes (at most 63)`,
    );
  }
  if (!['student', 'household', 'school'].includes(input.unit)) {
    throw new AppError('BAD_INPUT', `\`unit\` must be student, household or school, not "${input.unit}"`);
  }
  const arms = required(parseArms(input.arms), '`arms`');
  const blockBy = required(parseBlockBy(input.blockBy), '`blockBy`');
  const seed =
    input.seed === undefined ? randomBytes(16).toString('hex') : required(parseSeed(input.seed), '`seed`');
  return db.kysely.transaction().execute(async (trx) => {
    if (await findStudy(trx, input.slug))
      throw new AppError('CONFLICT', `a study with slug "${input.slug}" already exists`);
    const study = await insertStudy(trx, {
      slug: input.slug,
      name: input.name,
      unit: input.unit as StudyRecord['unit'],
      arms,
      blockBy,
      seed,
      seedCommitment: seedCommitment(seed),
    });
    await appendAuditEvent(trx, {
      actor,
      action: 'study.create',
      entity: `study:${study.slug}`,
      details: {
        name: study.name,
        unit: study.unit,
        arms,
        block_by: blockBy,
        seed_commitment: study.seedCommitment,
      },
    });
    return study;
  });
}

export async function requireStudy(db: Db, slug: string): Promise<StudyRecord> {
  const study = await findStudy(db.kysely, slug);
  if (!study) throw new AppError('NOT_FOUND', `no study "${slug}" (pilot study list shows the studies)`);
  return study;
}

export async function showStudy(
  db: Db,
  slug: string,
): Promise<{ study: StudyRecord; districts: DistrictRecord[]; counts: StudyCounts }> {
  const study = await requireStudy(db, slug);
  const [districts, counts] = await Promise.all([
    listDistricts(db.kysely, study.id),
    countStudy(db.kysely, study.id),
  ]);
  return { study, districts, counts };
}

export function allStudies(db: Db): Promise<StudyRecord[]> {
  return listStudies(db.kysely);
}

export interface EnrollDistrictInput {
  study: string;
  leaid: string;
  name: string;
  state: string;
  locale: number;
  allowNonrural?: boolean;
}

export async function enrollDistrict(
  db: Db,
  input: EnrollDistrictInput,
  actor: string,
): Promise<{ district: DistrictRecord; warnings: string[] }> {
  const leaid = input.leaid.trim();
  if (/^\d{6}$/.test(leaid)) {
    throw new AppError(
      'BAD_INPUT',
      `LEAID "${leaid}" has 6 digits; NCES LEAIDs have 7 — was a leading zero stripped (e.g. by Excel)? Try "0${leaid}"`,
    );
  }
  if (!/^\d{7}$/.test(leaid))
    throw new AppError('BAD_INPUT', `LEAID "${leaid}" must be exactly 7 digits (NCES LEAID)`);
  const state = input.state.trim().toUpperCase();
  if (!STATE_FIPS[state]) throw new AppError('BAD_INPUT', `"${input.state}" is not a US state postal code`);
  if (!leaid.startsWith(STATE_FIPS[state])) {
    throw new AppError(
      'BAD_INPUT',
      `LEAID ${leaid} starts with ${leaid.slice(0, 2)} but ${state}'s FIPS code is ${STATE_FIPS[state]}`,
    );
  }
  if (!Number.isInteger(input.locale))
    throw new AppError('BAD_INPUT', '`locale` must be an NCES locale code such as 42');
  const locale = classifyLocale(input.locale, input.allowNonrural ?? false);
  if (locale.kind === 'refused') throw new AppError('BAD_INPUT', locale.reason);
  const warnings = locale.kind === 'town' ? [locale.warning] : [];
  return db.kysely.transaction().execute(async (trx) => {
    const study = await findStudy(trx, input.study);
    if (!study) throw new AppError('NOT_FOUND', `no study "${input.study}"`);
    if (study.status !== 'draft' && study.status !== 'enrolling') {
      throw new AppError(
        'CONFLICT',
        `study ${study.slug} is ${study.status}; districts can only be enrolled before randomization`,
      );
    }
    if (await findDistrict(trx, study.id, leaid))
      throw new AppError('CONFLICT', `district ${leaid} is already enrolled in ${study.slug}`);
    const district = await insertDistrict(trx, {
      studyId: study.id,
      leaid,
      name: input.name,
      state,
      localeCode: input.locale,
    });
    if (study.status === 'draft') await setStudyStatus(trx, study.id, 'enrolling');
    await appendAuditEvent(trx, {
      actor,
      action: 'district.enroll',
      entity: `study:${study.slug}/district:${leaid}`,
      details: { name: input.name, state, locale_code: input.locale, warnings },
    });
    return { district, warnings };
  });
}

export async function requireDistrict(
  db: Db,
  studySlug: string,
  leaid: string,
): Promise<{ study: StudyRecord; district: DistrictRecord }> {
  const study = await requireStudy(db, studySlug);
  const district = await findDistrict(db.kysely, study.id, leaid);
  if (!district) throw new AppError('NOT_FOUND', `district ${leaid} is not enrolled in study ${studySlug}`);
  return { study, district };
}
