import type { OutreachImportSummary } from '../outreach/outreach-import.service.ts';
import type { RandomizeResult, RandomizationShow } from '../assignment/assignment.service.ts';
import type { ExportRow } from '../assignment/assignment.store.ts';
import type { DistrictRecord } from '../cohorts/district.store.ts';
import type { ImportSummary } from '../cohorts/imports/import.service.ts';
import type { StudyRecord } from '../cohorts/study.store.ts';
import type { StoredToken } from '../access/token.ts';

/** Service results as they go on the wire (snake_case, ISO instants), the shapes of schemas.ts. */

export function studyJson(s: StudyRecord) {
  return {
    slug: s.slug,
    name: s.name,
    status: s.status,
    unit: s.unit,
    arms: s.arms.map((a) => ({ name: a.name, probability: a.probability })),
    block_by: s.blockBy,
    seed_commitment: s.seedCommitment,
    seed: s.seed,
    algorithm: s.algorithm,
    created_at: s.createdAt.toISOString(),
  };
}

export function districtJson(d: DistrictRecord) {
  return {
    leaid: d.leaid,
    name: d.name,
    state: d.state,
    locale_code: d.localeCode,
    enrolled_at: d.enrolledAt.toISOString(),
  };
}

/** What importJson and outreachImportJson share. */
function importFields(s: ImportSummary | OutreachImportSummary) {
  return {
    kind: s.kind,
    file: s.file,
    sha256: s.sha256,
    status: s.status,
    import_id: s.importId,
    rows_read: s.rowsRead,
    inserted: s.inserted,
    replaced: s.replaced,
    warnings: s.warnings.map((w) => ({ message: w.message, count: w.count, file: w.file, line: w.line })),
  };
}

export function importJson(s: ImportSummary) {
  return { ...importFields(s), unchanged: s.unchanged };
}

export function outreachImportJson(s: OutreachImportSummary) {
  return {
    ...importFields(s),
    messages_updated: s.messagesUpdated,
    caregivers_opted_out: s.caregiversOptedOut,
  };
}

export function randomizedJson(r: RandomizeResult) {
  return {
    study: r.study,
    randomization_id: r.randomizationId,
    wave: r.wave,
    algorithm: r.algorithm,
    version: r.version,
    units: r.units,
    students: r.students,
    blocks: r.blocks.length,
    roster_sha256: r.rosterSha256,
    assignment_sha256: r.assignmentSha256,
    warnings: r.warnings.map((w) => w.message),
    balance: r.balanceSummary.map((b) => ({
      arm: b.arm,
      control: b.control,
      bands: b.bands,
      worst: b.worst,
    })),
  };
}

export function randomizationJson(r: RandomizationShow) {
  return {
    study: r.study,
    algorithm: r.algorithm,
    unit: r.unit,
    block_by: r.blockBy,
    arms: r.arms,
    seed_commitment: r.seedCommitment,
    seed: r.seed,
    waves: r.randomizations.map((w) => ({
      wave: w.wave,
      algorithm: w.algorithm,
      version: w.version,
      seed_derivation: w.seedDerivation,
      units: w.units,
      students: w.students,
      roster_sha256: w.rosterSha256,
      assignment_sha256: w.assignmentSha256,
      locked_at: new Date(w.lockedAt).toISOString(),
    })),
  };
}

export const ASSIGNMENT_COLUMNS = [
  'unit_key',
  'student_id',
  'district_leaid',
  'block_key',
  'arm',
  'wave',
] as const;

/** RFC 4180 field. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The assignment list as `pilot assignments export` writes it. */
export function assignmentsCsv(rows: readonly ExportRow[]): string {
  const lines = [ASSIGNMENT_COLUMNS.join(',')];
  for (const r of rows) lines.push(ASSIGNMENT_COLUMNS.map((c) => csvField(String(r[c]))).join(','));
  return lines.join('\n') + '\n';
}

export function tokenJson(t: StoredToken) {
  return {
    id: t.id,
    role: t.role,
    district: t.districtLeaid,
    label: t.label,
    created_by: t.createdBy,
    created_at: t.createdAt.toISOString(),
    expires_at: t.expiresAt?.toISOString() ?? null,
    revoked_at: t.revokedAt?.toISOString() ?? null,
  };
}
