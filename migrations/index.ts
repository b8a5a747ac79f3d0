import type { Migration } from 'kysely';
import * as foundation from './2026-11-23-001-foundation.ts';
import * as randomization from './2026-11-23-002-randomization.ts';
import * as bulkAttendanceIntegrity from './2026-11-23-003-bulk-attendance-integrity.ts';
import * as attendancePartitions from './2026-11-23-004-attendance-partitions.ts';
import * as waveSeeds from './2026-12-05-005-wave-seeds.ts';
import * as outreach from './2026-12-05-006-outreach.ts';
import * as analysisPlans from './2026-12-05-007-analysis-plans.ts';
import * as service from './2026-12-05-008-service.ts';
import * as eventStudyRuns from './2026-12-05-009-event-study-runs.ts';
import * as rlsOutreachReports from './2026-12-05-010-rls-outreach-reports.ts';
import * as outreachAbsenceIndex from './2026-12-05-011-outreach-absence-index.ts';
import * as auditHead from './2026-12-05-012-audit-head.ts';
import * as receiptImportIndex from './2026-12-05-013-receipt-import-index.ts';
import * as outreachStatementReferences from './2026-12-05-014-outreach-statement-references.ts';
import * as attendanceDayMonth from './2026-12-06-015-attendance-day-month.ts';
import * as receiptReferences from './2026-12-06-017-receipt-references.ts';

/** Every migration, in order. Add new files at the end; never edit a landed one. */
export const migrations: Record<string, Migration> = {
  '2026-11-23-001-foundation': foundation,
  '2026-11-23-002-randomization': randomization,
  '2026-11-23-003-bulk-attendance-integrity': bulkAttendanceIntegrity,
  '2026-11-23-004-attendance-partitions': attendancePartitions,
  '2026-12-05-005-wave-seeds': waveSeeds,
  '2026-12-05-006-outreach': outreach,
  '2026-12-05-007-analysis-plans': analysisPlans,
  '2026-12-05-008-service': service,
  '2026-12-05-009-event-study-runs': eventStudyRuns,
  '2026-12-05-010-rls-outreach-reports': rlsOutreachReports,
  '2026-12-05-011-outreach-absence-index': outreachAbsenceIndex,
  '2026-12-05-012-audit-head': auditHead,
  '2026-12-05-013-receipt-import-index': receiptImportIndex,
  '2026-12-05-014-outreach-statement-references': outreachStatementReferences,
  '2026-12-06-015-attendance-day-month': attendanceDayMonth,
  '2026-12-06-017-receipt-references': receiptReferences,
};
