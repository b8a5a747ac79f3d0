/** The records outreach's stores return and take, shared with the pure code that composes messages. */
import type { ProgramConfig, ProgramKind } from './program-config.ts';
import type { TemplatePurpose } from './templates.ts';
export interface ProgramRecord {
  id: number;
  arm: string;
  kind: ProgramKind;
  config: ProgramConfig;
  version: number;
}

export interface TemplateRecord {
  id: number;
  purpose: TemplatePurpose;
  language: string;
  version: number;
  body: string;
  encoding: 'gsm7' | 'ucs2';
  maxSegments: number;
}

/** A randomized student of a district with what messages quote. */
export interface TargetStudent {
  studentId: number;
  sisId: string;
  firstName: string | null;
  schoolKey: string;
  schoolName: string;
  schoolPhone: string | null;
  arm: string;
}

export interface NewMessage {
  batchId: number;
  studentId: number;
  caregiverId: number;
  templateId: number;
  alertId: number | null;
  channel: 'sms' | 'email' | 'inbox';
  language: string;
  body: string;
  segments: number | null;
  absencesMonth: number;
  absencesYtd: number;
  sendAfter: string;
}
