import type { Db } from '../db/connection.ts';
import { AppError } from '../errors.ts';
import type { PartnerStudy } from '../access/partner.store.ts';
import {
  districtAssignments,
  districtMessageBatches,
  districtMessageList,
  districtReportFile,
  latestDistrictReport,
  notVisible,
  studiesOfDistrict,
} from '../access/partner.service.ts';
import { assignmentsCsv } from './render.ts';
import type { FileBody } from './route.ts';

/**
 * What a district can download, whatever produced it. Each source lists the artifacts it holds for a
 * district of a study and serves one by name; the portal and /api/v1 list and serve through this, so a
 * new kind of artifact (the partner report once `pilot report` stores it, the monthly message lists
 * once outreach stores them) is one more source here.
 */
export interface ArtifactInfo {
  name: string;
  title: string;
  kind: 'assignments' | 'report' | 'messages';
  contentType: string;
}

export interface ArtifactSource {
  /** The artifacts of a district in a study it takes part in (empty when there are none yet). */
  list(db: Db, study: PartnerStudy, leaid: string): Promise<ArtifactInfo[]>;
  /** One artifact by name, or null when this source does not hold it. Audits the download. */
  fetch(db: Db, study: string, leaid: string, name: string, actor: string): Promise<FileBody | null>;
}

const ASSIGNMENTS: ArtifactInfo = {
  name: 'assignments.csv',
  title: 'Assignment list (unit, student, block, arm, wave)',
  kind: 'assignments',
  contentType: 'text/csv; charset=utf-8',
};

/** The district's assignment list, once the study is randomized. */
export const assignmentSource: ArtifactSource = {
  async list(_db, study) {
    return study.randomized ? [ASSIGNMENTS] : [];
  },
  async fetch(db, study, leaid, name, actor) {
    if (name !== ASSIGNMENTS.name) return null;
    const rows = await districtAssignments(db, study, leaid, actor);
    return {
      fileName: `${study}-${leaid}-assignments.csv`,
      contentType: ASSIGNMENTS.contentType,
      body: assignmentsCsv(rows),
    };
  },
};

const REPORT_FILES: ArtifactInfo[] = [
  {
    name: 'report.html',
    title: 'District report (suppressed; no student-level rows)',
    kind: 'report',
    contentType: 'text/html; charset=utf-8',
  },
  {
    name: 'report.json',
    title: 'District report data (JSON, the source of the report)',
    kind: 'report',
    contentType: 'application/json; charset=utf-8',
  },
];

/** The district's latest partner report, once `pilot report --district` has stored one. */
export const reportSource: ArtifactSource = {
  async list(db, study, leaid) {
    return (await latestDistrictReport(db, study.slug, leaid)) ? REPORT_FILES : [];
  },
  async fetch(db, study, leaid, name, actor) {
    const info = REPORT_FILES.find((f) => f.name === name);
    if (!info) return null;
    const report = await districtReportFile(db, study, leaid, name, actor);
    if (!report) return null;
    return {
      fileName: `${study}-${leaid}-${name}`,
      contentType: info.contentType,
      body: name === 'report.html' ? report.html : report.json,
    };
  },
};

const CSV = 'text/csv; charset=utf-8';

/** Download name of a message batch: messages-YYYY-MM.csv (monthly summaries), alerts-YYYY-MM-DD.csv. */
export function messageListName(b: { kind: 'monthly_summary' | 'alerts'; periodEnd: string }): string {
  return b.kind === 'monthly_summary'
    ? `messages-${b.periodEnd.slice(0, 7)}.csv`
    : `alerts-${b.periodEnd}.csv`;
}

/** The district's message lists (SIS message-center CSV), one per generated batch. */
export const messageSource: ArtifactSource = {
  async list(db, study, leaid) {
    return (await districtMessageBatches(db, study.slug, leaid)).map((b) => ({
      name: messageListName(b),
      title:
        b.kind === 'monthly_summary'
          ? `Caregiver messages, ${b.periodEnd.slice(0, 7)} (message-center CSV)`
          : `Absence alerts through ${b.periodEnd} (message-center CSV)`,
      kind: 'messages' as const,
      contentType: CSV,
    }));
  },
  async fetch(db, study, leaid, name, actor) {
    if (!/^(messages-\d{4}-\d{2}|alerts-\d{4}-\d{2}-\d{2})\.csv$/.test(name)) return null;
    const batch = (await districtMessageBatches(db, study, leaid)).find((b) => messageListName(b) === name);
    if (!batch) return null;
    const body = await districtMessageList(db, study, leaid, batch.id, name, actor);
    if (body === null) return null;
    return { fileName: `${study}-${leaid}-${name}`, contentType: CSV, body };
  },
};

/** Every source, in the order the portal lists them. */
export const ARTIFACT_SOURCES: readonly ArtifactSource[] = [assignmentSource, reportSource, messageSource];

/** A district's artifacts in a study; a study the district is not in answers as a missing one. */
export async function listArtifacts(db: Db, study: string, leaid: string): Promise<ArtifactInfo[]> {
  const found = (await studiesOfDistrict(db, leaid)).find((s) => s.slug === study);
  if (!found) throw notVisible(study, leaid);
  const lists = await Promise.all(ARTIFACT_SOURCES.map((s) => s.list(db, found, leaid)));
  return lists.flat();
}

/** One artifact; NOT_FOUND (the same answer as for another district) when no source holds it. */
export async function fetchArtifact(
  db: Db,
  study: string,
  leaid: string,
  name: string,
  actor: string,
): Promise<FileBody> {
  for (const source of ARTIFACT_SOURCES) {
    const file = await source.fetch(db, study, leaid, name, actor);
    if (file) return file;
  }
  throw new AppError('NOT_FOUND', `no download "${name}" for district ${leaid} in study ${study}`);
}
