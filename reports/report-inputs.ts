/**
 * What a report is a pure function of (DESIGN.md §7): the plan, the study and its randomization
 * record, the data snapshot (per-student outcomes and the student-month panel, as built in SQL) and
 * the platform version. The service loads these; everything in reports/ but the service is pure.
 */
import type { AnalysisPlan } from '../analysis/analysis-plan.ts';
import type { AnalysisStudent } from '../analysis/analysis-table.ts';

export interface ReportStudent extends AnalysisStudent {
  sex: string | null;
  raceEthnicity: string | null;
  disability: boolean | null;
  lowIncome: boolean | null;
}

export interface StudentMonth {
  /** 'YYYY-MM' */
  month: string;
  enrolledDays: number;
  absenceDays: number;
  chronicDays: number;
}

export interface ReportInputs {
  platformVersion: string;
  study: {
    slug: string;
    name: string;
    unit: string;
    arms: { name: string; probability: string }[];
    algorithm: string;
    seedCommitment: string;
    seed: string | null;
  };
  plan: AnalysisPlan;
  planVersion: number;
  planSha256: string;
  planLocked: boolean;
  randomization: { rosterSha256: string[]; assignmentSha256: string[]; waves: number };
  /** SHA-256 over the sorted (kind, file SHA-256) of the study's imports, and of its attendance files */
  data: { importsSha256: string; attendanceSha256: string; lastAttendanceDate: string | null };
  /** randomized students, ordered by student key */
  students: ReportStudent[];
  /** each student's months of the plan's window, aligned with `students` */
  months: StudentMonth[][];
  /** outreach (messages) when the outreach room's data exist; null otherwise */
  outreach: null | {
    /** where delivery comes from (the outreach records, or the demo's simulated delivery log) */
    source: string;
    byMonthArm: {
      month: string;
      arm: string;
      generated: number;
      delivered: number;
      failed: number;
      optedOut: number;
    }[];
  };
}
