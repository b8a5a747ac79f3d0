/**
 * What a report is a pure function of (DESIGN.md §7): the plan, the study and its randomization
 * record, the data snapshot (per-student outcomes and the student-month panel, as built in SQL) and
 * the platform version. The service loads these; everything in reports/ but the service is pure.
 */
import type { AnalysisPlan } from '../analysis/analysis-plan.ts';
import type { AnalysisStudent } from '../analysis/analysis-table.ts';
import type { Panel } from '../analysis/event-study/panel.ts';
import type { PanelCsvSummary } from '../analysis/event-study/panel-csv.ts';

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
  /** the study's outreach when it has message records or home visits; null otherwise */
  outreach: null | {
    /** where delivery comes from */
    source: string;
    /** the plan's CACE definition (what `received` = 1 means) */
    caceDefinition: string;
    /** whether any message was generated (CACE needs them) */
    messages: boolean;
    byMonthArm: {
      month: string;
      arm: string;
      studentsEligible: number;
      studentsMessaged: number;
      generated: number;
      delivered: number;
      failed: number;
      optedOut: number;
    }[];
    visitsByMonthArm: { month: string; arm: string; modality: string; visits: number; students: number }[];
    /** control students contacted (must be 0) */
    contaminatedStudents: number;
  };
  /**
   * The visit-based event study's panel (first home visit as the start, attendance rate by month),
   * when any randomized student had a home visit; null otherwise.
   */
  visitEventStudy:
    | null
    | { ok: false; message: string }
    | {
        ok: true;
        panel: Panel;
        summary: PanelCsvSummary;
        /** period → 'YYYY-MM' */
        months: Record<string, string>;
        counts: Record<string, number>;
        treatedArms: string[];
        clustered: boolean;
      };
  /** stored `pilot event-study --study` runs, oldest first */
  eventStudyRuns: {
    id: number;
    start: string;
    method: string;
    options: Record<string, unknown>;
    result: Record<string, unknown>;
  }[];
}
