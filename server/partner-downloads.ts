import type { Db } from '../db/connection.ts';
import { AppError } from '../errors.ts';
import type { PartnerStudy } from '../access/partner.store.ts';
import { districtAssignments, notVisible, studiesOfDistrict } from '../access/partner.service.ts';
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

/** Every source, in the order the portal lists them. Reports and message lists join here. */
export const ARTIFACT_SOURCES: readonly ArtifactSource[] = [assignmentSource];

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
