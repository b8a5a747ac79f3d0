import { showRandomization, type RandomizationShow } from '../assignment/assignment.service.ts';
import { allStudies } from '../cohorts/study.service.ts';
import type { StudyRecord } from '../cohorts/study.store.ts';
import type { Db } from '../db/connection.ts';
import { fidelityReport, type FidelityReport } from '../outreach/fidelity.service.ts';
import {
  armBalance,
  attendanceByMonthArm,
  districtOverview,
  latestReportRuns,
  type ArmBalance,
  type DistrictOverview,
  type LatestReportRun,
  type MonthlyAttendance,
} from './overview.store.ts';

export interface StudyOverview {
  study: StudyRecord;
  districts: DistrictOverview[];
  randomization: RandomizationShow;
  balance: ArmBalance[];
  /** Messages and delivery by month, district and arm, with the contamination alarm. */
  fidelity: FidelityReport;
  attendance: MonthlyAttendance[];
  reports: LatestReportRun[];
}

/** The dashboard of staff and analysts: every study with what the dashboard shows of it. */
export async function studyOverviews(db: Db): Promise<StudyOverview[]> {
  const studies = await allStudies(db);
  const out: StudyOverview[] = [];
  for (const study of studies) {
    const [districts, randomization, balance, fidelity, attendance, reports] = await Promise.all([
      districtOverview(db.kysely, study.id),
      showRandomization(db, study.slug),
      armBalance(db.kysely, study.id),
      fidelityReport(db, study.slug),
      attendanceByMonthArm(db.kysely, study.id),
      latestReportRuns(db.kysely, study.id),
    ]);
    out.push({ study, districts, randomization, balance, fidelity, attendance, reports });
  }
  return out;
}
