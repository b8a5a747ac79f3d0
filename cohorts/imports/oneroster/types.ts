import type { InputProblem } from '../../../errors.ts';
import type { StudentGrade } from '../normalize/grade.ts';
import type { RaceEthnicity, Sex } from '../normalize/demographics.ts';
import type { OneRosterVersion } from './manifest.ts';

export type CaregiverRole = 'parent' | 'guardian' | 'relative';

export interface OneRosterDistrict {
  sourcedId: string;
  name: string;
  /** `orgs.identifier` as written. */
  identifier: string;
  /** The identifier when it is a valid 7-digit NCES LEAID, else null (with a warning). */
  leaid: string | null;
}

export interface OneRosterSchool {
  sourcedId: string;
  name: string;
  identifier: string;
  /** The identifier when it is a valid 12-digit NCES school id, else null (with a warning). */
  ncesId: string | null;
  parentSourcedId: string | null;
  line: number;
}

export interface OneRosterStudent {
  /** The primary sourcedId: the first row (by line) of this person in users.csv. */
  sourcedId: string;
  /** Every sourcedId merged into this student (the primary first); one unless split identities were merged. */
  sourcedIds: string[];
  /** The person's key across exports: `identifier`, else the state id in `userIds`, else the sourcedId. */
  personKey: string;
  personKeySource: 'identifier' | 'userIds' | 'sourcedId';
  identifier: string | null;
  stateId: string | null;
  givenName: string;
  familyName: string;
  /** First school among the user's orgs (1.1 orgSourcedIds; 1.2 roles.csv, primary role first). */
  schoolSourcedId: string;
  schoolSourcedIds: string[];
  grade: StudentGrade;
  sex: Sex | null;
  raceEthnicity: RaceEthnicity | null;
  birthDate: string | null;
  /** See households.ts: students who share a caregiver (directly or through siblings) share it. */
  householdKey: string;
  guardianSourcedIds: string[];
  line: number;
}

export interface OneRosterGuardian {
  sourcedId: string;
  role: CaregiverRole;
  identifier: string | null;
  givenName: string;
  familyName: string;
  email: string | null;
  /** E.164, or null when absent or not a valid number (warned). */
  phone: string | null;
  sms: string | null;
  /** Primary sourcedIds of the linked students, from either direction of agentSourcedIds. */
  studentSourcedIds: string[];
  householdKey: string;
  line: number;
}

export interface OneRosterEnrollment {
  sourcedId: string;
  studentSourcedId: string;
  schoolSourcedId: string;
  classSourcedId: string;
  role: string;
  beginDate: string | null;
  /** Exclusive, as OneRoster defines it. */
  endDate: string | null;
  line: number;
}

export interface OneRosterSession {
  sourcedId: string;
  title: string;
  type: string;
  startDate: string;
  endDate: string;
  schoolYear: string;
  parentSourcedId: string | null;
  line: number;
}

export interface OneRosterRoster {
  ok: true;
  version: OneRosterVersion;
  district: OneRosterDistrict | null;
  schools: OneRosterSchool[];
  students: OneRosterStudent[];
  guardians: OneRosterGuardian[];
  enrollments: OneRosterEnrollment[];
  academicSessions: OneRosterSession[];
  warnings: InputProblem[];
}

export type OneRosterParseResult =
  OneRosterRoster | { ok: false; problems: InputProblem[]; warnings: InputProblem[] };
