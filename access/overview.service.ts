import { showRandomization, type RandomizationShow } from '../assignment/assignment.service.ts';
import { allStudies } from '../cohorts/study.service.ts';
import type { StudyRecord } from '../cohorts/study.store.ts';
import type { Db } from '../db/connection.ts';
import { districtOverview, type DistrictOverview } from './overview.store.ts';

export interface StudyOverview {
  study: StudyRecord;
  districts: DistrictOverview[];
  randomization: RandomizationShow;
}

/** The dashboard of staff and analysts: every study with its districts and randomization record. */
export async function studyOverviews(db: Db): Promise<StudyOverview[]> {
  const studies = await allStudies(db);
  const out: StudyOverview[] = [];
  for (const study of studies) {
    out.push({
      study,
      districts: await districtOverview(db.kysely, study.id),
      randomization: await showRandomization(db, study.slug),
    });
  }
  return out;
}
