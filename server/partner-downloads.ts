import type { Db } from '../db/connection.ts';
import { AppError } from '../errors.ts';
import type { PartnerDownloadIndex } from '../access/partner.store.ts';
import {
  districtAssignments,
  districtDownloadIndex,
  districtMessageBatches,
  districtMessageList,
  districtReportDownload,
  notVisible,
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
  list(index: PartnerDownloadIndex): ArtifactInfo[];
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
  list(index) {
    return index.study.randomized ? [ASSIGNMENTS] : [];
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

/**
 * The district's latest partner report, once `pilot report --district` has stored one: the stored
 * bytes (cached in the process, never re-rendered) with a strong ETag.
 */
export const reportSource: ArtifactSource = {
  list(index) {
    return index.report ? REPORT_FILES : [];
  },
  async fetch(db, study, leaid, name, actor) {
    const info = REPORT_FILES.find((f) => f.name === name);
    if (!info) return null;
    const file = await districtReportDownload(db, study, leaid, info.name as 'report.html', actor);
    if (!file) return null;
    return {
      fileName: `${study}-${leaid}-${name}`,
      contentType: info.contentType,
      body: file.body,
      etag: file.etag,
      gzip: file.gzip,
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
  list(index) {
    return index.batches.map((b) => ({
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
  const index = await districtDownloadIndex(db, study, leaid);
  if (!index) throw notVisible(study, leaid);
  return ARTIFACT_SOURCES.flatMap((s) => s.list(index));
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
