import { MISSING, OTHER, OWN } from './http-fixture.ts';

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
  body?: unknown;
  upload?: { fileName: string; content: string; fields?: Record<string, string> };
}

export interface MatrixRow {
  route: string;
  expect: Record<Caller, number>;
  /** The request made with `district` (OWN, or OTHER / MISSING for partnerOther); n is unique per call. */
  request: (district: string, n: number) => MatrixRequest;
}

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
];

export { MISSING, OTHER, OWN };
