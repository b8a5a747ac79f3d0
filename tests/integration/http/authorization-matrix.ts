import { expect } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { unzipSync } from 'fflate';
import type request from 'supertest';
import { writeSyntheticStudy } from '../../../synth/synth.service.ts';
import { MISSING, OTHER, OWN } from './http-fixture.ts';
import {
  expectedExport,
  expectedOctoberEffect,
  OUTREACH_STUDY as O1,
  STUDENT_PREFIX,
  THROUGH,
} from './outreach-fixture.ts';

/**
 * The authorization matrix (SECURITY.md §3): for every endpoint, the status each caller gets.
 * partnerOwn = a partner token on its own district; partnerOther = the same token on another
 * district, which must answer exactly as a district that does not exist. The HTTP tests are generated
 * from this table, and a route without a row fails them. A new endpoint is one row here; a route may
 * have several rows (one per artifact of downloads.fetch).
 */
export type Caller = 'staff' | 'analyst' | 'partnerOwn' | 'partnerOther';

export interface MatrixRequest {
  path: string;
  /** The answer is bytes (a zip): res.body is a Buffer. */
  binary?: boolean;
  body?: unknown;
  upload?: { fileName: string; content: string; fields?: Record<string, string> };
}

export interface MatrixRow {
  route: string;
  expect: Record<Caller, number>;
  /** The request made with `district` (OWN, or OTHER / MISSING for partnerOther); n is unique per call. */
  request: (district: string, n: number) => MatrixRequest;
  /**
   * What the answer of a caller the row allows (2xx) must hold: the operation ran on the seeded data
   * (tests/integration/http/outreach-fixture.ts) and answered with what it should, for OWN only.
   */
  check?: (res: request.Response, caller: Caller) => void | Promise<void>;
}

/** A CSV's lines without the columns that carry database ids (first and/or last). */
function withoutIdColumns(text: string, first: boolean, last: boolean): string[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const cells = line.split(',');
      return cells.slice(first ? 1 : 0, last ? -1 : undefined).join(',');
    });
}

/** An answer about OWN names none of the other district's students (0009xx) nor the district. */
function onlyOwn(text: string): void {
  expect(text).not.toMatch(new RegExp(`\\b${STUDENT_PREFIX[OTHER]}\\d\\d\\b`));
  expect(text).not.toContain(OTHER);
}

/**
 * A small synthetic panel (units × periods; cohort 0 = never treated) for /event-study: two cohorts
 * and never-treated units, an effect of 2 from treatment on.
 */
export const PANEL = (() => {
  const rows = ['id,t,g,y'];
  for (let u = 1; u <= 12; u++) {
    const g = u <= 4 ? 3 : u <= 8 ? 4 : 0;
    for (let t = 1; t <= 5; t++)
      rows.push(`${u},${t},${g},${(u % 3) + t * 0.5 + (g > 0 && t >= g ? 2 : 0) + ((u * t) % 5) / 10}`);
  }
  return rows.join('\n') + '\n';
})();

const readers = { staff: 200, analyst: 200, partnerOwn: 403, partnerOther: 403 };
const staffOnly = (status: number) => ({ staff: status, analyst: 403, partnerOwn: 403, partnerOther: 403 });
const district = { staff: 200, analyst: 200, partnerOwn: 200, partnerOther: 404 };
const analystOnly = (status: number) => ({ staff: 403, analyst: status, partnerOwn: 403, partnerOther: 403 });

export const MATRIX: MatrixRow[] = [
  {
    route: 'me',
    expect: { staff: 200, analyst: 200, partnerOwn: 200, partnerOther: 200 },
    request: () => ({ path: '/me' }),
  },
  { route: 'studies.list', expect: readers, request: () => ({ path: '/studies' }) },
  {
    route: 'studies.create',
    expect: staffOnly(201),
    request: (_d, n) => ({
      path: '/studies',
      body: { slug: `made-${n}`, name: 'Made', unit: 'student', arms: 'control:0.5,treatment:0.5' },
    }),
  },
  { route: 'studies.show', expect: readers, request: () => ({ path: '/studies/s1' }) },
  {
    route: 'districts.enroll',
    expect: staffOnly(201),
    request: (_d, n) => ({
      path: '/studies/fresh/districts',
      body: { leaid: `36${String(10000 + n).padStart(5, '0')}`, name: `Added ${n}`, state: 'NY', locale: 42 },
    }),
  },
  {
    route: 'imports.create',
    expect: staffOnly(201),
    request: (d, n) => ({
      path: `/studies/fresh/districts/${d}/imports/schools`,
      upload: { fileName: `schools ${n}.csv`, content: `school_id,name\nnorth${n},North ${n}\n` },
    }),
  },
  {
    route: 'randomizations.create',
    expect: staffOnly(201),
    request: () => ({ path: '/studies/fresh/randomizations', body: {} }),
  },
  { route: 'randomizations.show', expect: readers, request: () => ({ path: '/studies/s1/randomizations' }) },
  {
    route: 'randomizations.verify',
    expect: readers,
    request: () => ({ path: '/studies/s1/randomizations/verify' }),
  },
  { route: 'assignments.export', expect: readers, request: () => ({ path: '/studies/s1/assignments' }) },
  { route: 'districts.studies', expect: district, request: (d) => ({ path: `/districts/${d}/studies` }) },
  {
    route: 'districts.assignments',
    expect: district,
    request: (d) => ({ path: `/studies/s1/districts/${d}/assignments` }),
  },
  {
    route: 'downloads.list',
    expect: district,
    request: (d) => ({ path: `/studies/s1/districts/${d}/downloads` }),
  },
  {
    route: 'downloads.fetch',
    expect: district,
    request: (d) => ({ path: `/studies/s1/districts/${d}/downloads/assignments.csv` }),
  },
  // The partner report and the message lists (seeded for both districts by seedDownloads): a partner
  // gets its own district's file, another district's answers exactly as a missing district's.
  {
    route: 'downloads.fetch',
    expect: district,
    request: (d) => ({ path: `/studies/s1/districts/${d}/downloads/report.html` }),
  },
  {
    route: 'downloads.fetch',
    expect: district,
    request: (d) => ({ path: `/studies/s1/districts/${d}/downloads/report.json` }),
  },
  {
    route: 'downloads.fetch',
    expect: district,
    request: (d) => ({ path: `/studies/s1/districts/${d}/downloads/messages-2026-10.csv` }),
  },
  { route: 'audit.verify', expect: readers, request: () => ({ path: '/audit/verify' }) },
  { route: 'tokens.list', expect: staffOnly(200), request: () => ({ path: '/tokens' }) },
  {
    route: 'tokens.create',
    expect: staffOnly(201),
    request: () => ({ path: '/tokens', body: { role: 'partner', district: OWN, label: 'made in a test' } }),
  },
  { route: 'tokens.revoke', expect: staffOnly(200), request: () => ({ path: '/tokens/SPARE' }) },
  {
    route: 'estimate',
    expect: analystOnly(200),
    request: (_d, n) => ({
      path: '/estimate',
      upload: {
        fileName: `trial ${n}.csv`,
        content: 'y,z\n1,0\n2,0\n3,0\n2,1\n4,1\n6,1\n',
        fields: { outcome: 'y', treatment: 'z' },
      },
    }),
  },
  // The plan of the unrandomized study `fresh` (s1's seeded plan stays as it is): set, show, lock.
  {
    route: 'plan.set',
    expect: analystOnly(201),
    request: (_d, n) => ({
      path: '/studies/fresh/plan',
      body: { title: `Plan ${n}`, window: { start: '2026-09-01', end: '2026-12-31' } },
    }),
  },
  { route: 'plan.show', expect: readers, request: () => ({ path: '/studies/fresh/plan' }) },
  { route: 'plan.lock', expect: analystOnly(200), request: () => ({ path: '/studies/fresh/plan/lock' }) },
  { route: 'fidelity', expect: readers, request: () => ({ path: '/studies/s1/fidelity' }) },
  // The rest of the CLI (server/operation-routes.ts). s1's treatment arm gets the monthly summaries
  // here; tests/integration/http/cli-operations.test.ts shows each operation on the golden district
  // and a demo study too.
  { route: 'waves.open', expect: staffOnly(201), request: () => ({ path: '/studies/s1/waves', body: {} }) },
  {
    route: 'imports.create',
    expect: staffOnly(201),
    request: (d, n) => ({
      path: `/studies/s1/districts/${d}/imports/visits`,
      upload: {
        fileName: `visits ${n}.csv`,
        content: 'student_id,visit_date,modality,personnel\nS0,2026-10-05,in_person,school\n',
      },
    }),
  },
  {
    route: 'programs.set',
    expect: staffOnly(200),
    request: () => ({ path: '/studies/s1/programs/treatment', body: { program: 'monthly_summary' } }),
  },
  {
    route: 'templates.add',
    expect: staffOnly(201),
    request: () => ({
      path: '/studies/fresh/templates',
      body: { purpose: 'monthly_summary', language: 'vi', text: 'Absences: {absences_month}' },
    }),
  },
  {
    route: 'messages.generate',
    expect: staffOnly(200),
    request: () => ({ path: '/studies/s1/messages', body: { month: '2026-09' } }),
  },
  {
    route: 'messages.export',
    expect: staffOnly(200),
    request: (d) => ({ path: `/studies/s1/districts/${d}/messages/export`, body: { month: '2026-10' } }),
  },
  // Alerts, staff tasks, the home-visit worklist and the event study run on study o1 (the outreach
  // golden district as OWN and as OTHER, tests/integration/http/outreach-fixture.ts): each allowed
  // answer is compared with the golden files (database ids left out) and names nothing of OTHER.
  {
    route: 'alerts.generate',
    expect: staffOnly(200),
    request: () => ({ path: `/studies/${O1}/alerts`, body: { through: THROUGH } }),
    check: (res) => {
      expect(res.body.study).toBe(O1);
      const runs = res.body.districts.map(
        (d: { leaid: string; status: string; alerts: number; tasks: number; messages: number }) => [
          d.leaid,
          d.status,
          d.alerts,
          d.tasks,
          d.messages,
        ],
      );
      // the golden district's alerts (README of tests/fixtures/outreach) in each district
      expect(runs.sort()).toEqual([
        [OWN, 'generated', 10, 2, 10],
        [OTHER, 'generated', 10, 2, 10],
      ]);
    },
  },
  {
    route: 'alerts.export',
    expect: staffOnly(200),
    request: (d) => ({ path: `/studies/${O1}/districts/${d}/alerts/export`, body: { through: THROUGH } }),
    check: (res) => {
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toContain(`${O1}-${OWN}-alerts-${THROUGH}.csv`);
      // batch_id first and message_id last are database ids; the rest is the golden file's
      expect(withoutIdColumns(res.text, true, true)).toEqual(
        withoutIdColumns(expectedExport('alerts-2025-09-30.csv', OWN), true, true),
      );
      onlyOwn(res.text);
    },
  },
  {
    route: 'tasks.export',
    expect: { ...readers, staff: 200, analyst: 200 },
    request: (d) => ({ path: `/studies/${O1}/districts/${d}/tasks?through=${THROUGH}` }),
    check: (res) => {
      expect(res.headers['content-disposition']).toContain(`${O1}-${OWN}-tasks-${THROUGH}.csv`);
      expect(withoutIdColumns(res.text, true, false)).toEqual(
        withoutIdColumns(expectedExport('tasks-2025-09-30.csv', OWN), true, false),
      );
      onlyOwn(res.text);
    },
  },
  {
    route: 'visits.worklist',
    expect: { ...readers, staff: 200, analyst: 200 },
    request: (d) => ({ path: `/studies/${O1}/districts/${d}/visits/worklist?through=${THROUGH}` }),
    check: (res) => {
      expect(res.headers['content-disposition']).toContain(`${O1}-${OWN}-visit-worklist.csv`);
      const [header, ...rows] = res.text.trim().split('\n');
      expect(header).toBe(
        'school_id,school_name,student_sis_id,grade,enrolled_days,absence_days,absence_rate,visits,last_visit_date',
      );
      // the home-visit arm's one student, 2 absence days of September's 21 (threshold 0.05), no visit
      expect(rows).toEqual(['0220,Pine High,000203,07,21,2,0.095,0,']);
      onlyOwn(res.text);
    },
  },
  {
    route: 'analyze',
    expect: analystOnly(201),
    request: () => ({ path: '/studies/fresh/analyses', body: {} }),
  },
  {
    route: 'reports.district',
    expect: analystOnly(201),
    request: (d) => ({ path: `/studies/fresh/districts/${d}/reports` }),
  },
  {
    route: 'event-study.file',
    expect: analystOnly(200),
    request: (_d, n) => ({
      path: '/event-study',
      upload: {
        fileName: `panel ${n}.csv`,
        content: PANEL,
        fields: { id: 'id', time: 't', cohort: 'g', outcome: 'y', method: 'twfe' },
      },
    }),
  },
  {
    route: 'event-study.study',
    expect: analystOnly(200),
    request: () => ({
      path: `/studies/${O1}/event-study`,
      body: { start: 'randomization', method: 'twfe' },
    }),
    check: (res) => {
      // o1's 12 students over September and October, treated (alerts, visits) from October
      expect(res.body).toMatchObject({
        study: O1,
        start: 'randomization',
        outcome: 'attendance_rate',
        method: 'twfe',
        treated_arms: ['alerts', 'visits'],
      });
      expect(Object.values(res.body.months)).toEqual(['2025-09', '2025-10']);
      expect(res.body.panel).toMatchObject({ students: 12, treated_students: 6, never_treated_students: 6 });
      expect(res.body.n_obs).toBe(24);
      // one term, event time 0: the difference in differences of the files' attendance rates
      expect(res.body.terms).toHaveLength(1);
      expect(res.body.terms[0]).toMatchObject({ event_time: 0, n: 6 });
      expect(res.body.terms[0].estimate).toBeCloseTo(expectedOctoberEffect(), 10);
      expect(res.body.terms[0].std_error).toBeGreaterThan(0);
    },
  },
  {
    route: 'diagnose',
    expect: analystOnly(200),
    request: () => ({
      path: '/diagnose',
      body: {
        plan: { window: { start: '2026-09-01', end: '2026-12-31' } },
        districts: 2,
        students: 80,
        effect: -1,
        sims: 4,
        seed: 'matrix',
      },
    }),
  },
  {
    route: 'synth',
    expect: readers,
    request: () => ({
      path: '/synth',
      body: { districts: 2, students: 60, seed: 'matrix', oneroster: 1 },
      binary: true,
    }),
    check: async (res) => {
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.headers['content-disposition']).toContain('synth-2x60.zip');
      // the folder `pilot synth` writes with these options, file for file and byte for byte
      const files = unzipSync(new Uint8Array(res.body as Buffer));
      const dir = mkdtempSync(join(tmpdir(), 'pilot-matrix-synth-'));
      try {
        await writeSyntheticStudy(dir, {
          districts: 2,
          students: 60,
          seed: 'matrix',
          year: 2025,
          oneroster: 1,
          exceptions: false,
        });
        const written = readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
          .sort();
        expect(Object.keys(files).sort()).toEqual(written);
        expect(written).toContain('manifest.json');
        for (const name of written)
          expect(Buffer.from(files[name]).equals(readFileSync(join(dir, name)))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];

export { MISSING, OTHER, OWN };
