/**
 * The snake_case JSON of studies and districts (`pilot study … --json`, and the server's answers):
 * one serializer per result type, so every interface shows the same names. Pure.
 */
import type { DistrictRecord } from './district.store.ts';
import type { StudyCounts, StudyRecord } from './study.store.ts';

export function studyJson(s: StudyRecord) {
  return {
    slug: s.slug,
    name: s.name,
    status: s.status,
    unit: s.unit,
    arms: s.arms.map((a) => ({ name: a.name, probability: a.probability })),
    block_by: s.blockBy,
    algorithm: s.algorithm,
    seed_commitment: s.seedCommitment,
    seed: s.seed,
    created_at: s.createdAt.toISOString(),
  };
}

export function districtJson(d: DistrictRecord) {
  return { leaid: d.leaid, name: d.name, state: d.state, locale_code: d.localeCode };
}

export function studyCountsJson(counts: StudyCounts) {
  return {
    districts: counts.districts,
    schools: counts.schools,
    students: counts.students,
    households: counts.households,
    caregivers: counts.caregivers,
    calendar_days: counts.calendarDays,
    enrollments: counts.enrollments,
    attendance_days: counts.attendanceDays,
    attendance_months: counts.attendanceMonths,
    imports: counts.imports,
  };
}

/** A study with its counts and districts (`pilot study show --json`). */
export function studyShowJson(shown: {
  study: StudyRecord;
  districts: DistrictRecord[];
  counts: StudyCounts;
}) {
  return {
    ...studyJson(shown.study),
    counts: studyCountsJson(shown.counts),
    districts: shown.districts.map(districtJson),
  };
}
