/**
 * Outcomes built in SQL (DESIGN.md §5, definitions in outcome-definitions.ts): for every randomized
 * student of a study, per calendar month of a window, enrolled days from the calendar × enrollment
 * windows, absence days as the sum of absent fractions (in-school suspension is present), days
 * counting toward chronic absence (≥ 0.5 missed), and the baseline covariates of the roster. The
 * heavy aggregation (daily rows → student-month panel) runs in the database; the window totals and
 * the chronic-absence flags are sums over the panel, done here in SQL too.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/types.ts';
import { refreshOutcomeStatistics } from '../db/planner-statistics.store.ts';
import { inTurnOrAtOnce } from '../db/concurrent-loads.ts';
import { enrolledMonths, type EnrollmentSpan, type InstructionalDays } from './enrolled-days.ts';
import { NULL_INT4, unpackBinary, type PackedField } from './packed-rows.ts';
import {
  combinePanel,
  monthOfDayCached,
  roundDays,
  type DailySums,
  type MonthlyRow,
  type StudentMonthRow,
} from './student-month-panel.ts';

export type { StudentMonthRow } from './student-month-panel.ts';

export interface OutcomeWindow {
  start: string;
  end: string;
}

/** One randomized student with their arm, baseline covariates and window totals. */
export interface StudentOutcomeRow {
  studentId: number;
  studentKey: string;
  unitKey: string;
  blockKey: string;
  arm: string;
  districtLeaid: string;
  householdKey: string;
  grade: string;
  sex: string | null;
  raceEthnicity: string | null;
  englishLearner: boolean | null;
  disability: boolean | null;
  lowIncome: boolean | null;
  priorYearAbsenceRate: number | null;
  enrolledDays: number;
  absenceDays: number;
  chronicDays: number;
  /** months whose enrolled days were counted from daily records for want of a calendar */
  recordMonths: number;
}

/**
 * The student-month panel of a study over a window, one row per student and month with any enrolled
 * day, attendance record or monthly row, ordered by student and month. Daily attendance wins over a
 * monthly row of the same student and month. (One window of loadStudentMonthPanels.)
 */
export async function loadStudentMonths(
  db: Kysely<Database>,
  studyId: number,
  w: OutcomeWindow,
  /** 'districts': every student of the study's districts, randomized or not (event-study matching) */
  scope: 'study' | 'districts' = 'study',
): Promise<StudentMonthRow[]> {
  return (await loadStudentMonthPanels(db, studyId, [w], scope))[0];
}

/**
 * The student-month panels of a study over several windows (a report's outcome window and its
 * baseline window), each as loadStudentMonths gives it, from one pass over the daily rows.
 *
 * How it stays fast at national scale (18 million daily rows, 209,000 enrollment windows, a panel of
 * about a million student-months): a month wholly inside a window is read from
 * attendance_day_month, the daily rows summed per student and month by the imports (migration 015;
 * the same exact numeric sums), each stored month once for all the windows; only the months a window
 * cuts (a window need not start or end at a month's edge) are read from attendance_day, each daily
 * row tagged with the set of windows its date falls in (a bit mask), grouped per student, month,
 * absent fraction and mask first (integer counts, per partition), and only those few groups summed
 * per window as exact numerics. Enrolled days are counted in enrolled-days.ts from the two small
 * tables they depend on (each school's instructional days, each student's enrollment windows), not
 * by joining the calendar to every enrollment window in SQL; the sources are combined per window in
 * student-month-panel.ts. The large results come packed as bytes (packed-rows.ts); the queries run in
 * one transaction with a local work_mem of 128 MB so their groupings hash in memory.
 */
export async function loadStudentMonthPanels(
  db: Kysely<Database>,
  studyId: number,
  windows: readonly OutcomeWindow[],
  scope: 'study' | 'districts' = 'study',
  /**
   * concurrent: the independent queries each in a transaction of its own, at once (PostgreSQL: the
   * server answers one while node unpacks another), instead of one after another in one transaction
   */
  options: { concurrent?: boolean } = {},
): Promise<StudentMonthRow[][]> {
  if (windows.length === 0) return [];
  if (windows.length > 30) throw new Error('at most 30 windows at once');
  // Imports leave attendance_day's whole-table statistics to the first query that needs them (PGlite
  // has no autovacuum): a sample when the tables are new or grew by a fifth, else nothing.
  // Windows of whole months read no daily row (only attendance_day_month): no sample of attendance_day.
  await refreshOutcomeStatistics(db, { dailyRows: windows.some((w) => splitWindow(w).cut.length > 0) });
  // JIT would compile the plan's many per-partition expressions (seconds) for one pass over them.
  const settings = (trx: Kysely<Database>) =>
    sql`SELECT set_config('work_mem', '128MB', true), set_config('enable_partitionwise_aggregate', 'on', true),
      set_config('jit', 'off', true)`.execute(trx);
  const inTransaction: Runner = (fn) =>
    db.transaction().execute(async (trx) => {
      await settings(trx);
      return fn(trx);
    });
  const concurrent = options.concurrent === true && !db.isTransaction;
  const src = concurrent
    ? await panelSources(inTransaction, true, studyId, windows, scope)
    : db.isTransaction
      ? await settings(db).then(() => panelSources((fn) => fn(db), false, studyId, windows, scope))
      : await inTransaction((trx) => panelSources((fn) => fn(trx), false, studyId, windows, scope));
  if (src === null) return windows.map(() => []);
  const facts = wholeRowFacts(src);
  return windows.map((w, k) => {
    const whole = splitWindow(w).whole;
    const [first, last] = whole ? [monthNumber(whole.first), monthNumber(whole.last)] : [1, 0];
    const inWhole = (month: number) => month >= first && month <= last;
    return combinePanel(
      enrolledMonths(src.calendars, src.spans, dayOf(w.start), dayOf(w.end)),
      dailySums(src, facts, k, inWhole),
      src.monthly.filter((r) => r.k === k),
    );
  });
}

/** What the panels are built from, the daily sums as packed rows unpacked (see the field lists). */
interface PanelSources {
  /** student id → district id of the students the panels cover */
  members: Map<number, number>;
  /** attendance_day_month's months inside a window's whole months: WHOLE_FIELDS per row */
  whole: Float64Array;
  /** the cut months' sums per window: CUT_FIELDS per row */
  cut: Float64Array;
  monthly: (MonthlyRow & { k: number })[];
  calendars: InstructionalDays[];
  spans: EnrollmentSpan[];
}

/** student, district, month's first day, records, absence, chronic, last day */
const WHOLE_LAYOUT: PackedField[] = ['int4', 'int4', 'int4', 'int4', 'float8', 'int4', 'int4'];
/** window, then WHOLE_LAYOUT's */
const CUT_LAYOUT: PackedField[] = ['int4', ...WHOLE_LAYOUT];
const WHOLE_FIELDS = WHOLE_LAYOUT.length;
const CUT_FIELDS = CUT_LAYOUT.length;

/** Of each row of the stored months (src.whole): its month number, and whether its student is a member. */
interface WholeRowFacts {
  months: Int32Array;
  members: Uint8Array;
}

/** The facts of the stored months' rows every window's sums ask (worked out once for all windows). */
function wholeRowFacts(src: PanelSources): WholeRowFacts {
  const n = src.whole.length / WHOLE_FIELDS;
  const facts = { months: new Int32Array(n), members: new Uint8Array(n) };
  for (let r = 0; r < n; r++) {
    const o = r * WHOLE_FIELDS;
    facts.months[r] = monthOfDayCached(src.whole[o + 2]);
    facts.members[r] = src.members.get(src.whole[o]) === src.whole[o + 1] ? 1 : 0;
  }
  return facts;
}

/** Window k's daily sums: the stored months inside its whole months and its cut months, members only. */
function dailySums(
  src: PanelSources,
  whole: WholeRowFacts,
  k: number,
  inWhole: (month: number) => boolean,
): DailySums {
  // row offsets: a stored month's in whole; a cut row's (of its fields after the window's) in cut,
  // bitwise negated (negative) to tell the two apart
  const rows: number[] = [];
  const wholeRows = src.whole.length / WHOLE_FIELDS;
  const cutRows = src.cut.length / CUT_FIELDS;
  const isMember = (a: Float64Array, o: number) => src.members.get(a[o]) === a[o + 1];
  for (let r = 0; r < wholeRows; r++)
    if (whole.members[r] === 1 && inWhole(whole.months[r])) rows.push(r * WHOLE_FIELDS);
  for (let r = 0; r < cutRows; r++) {
    const o = r * CUT_FIELDS;
    if (src.cut[o] === k && isMember(src.cut, o + 1)) rows.push(~(o + 1));
  }
  const n = rows.length;
  const sums: DailySums = {
    studentIds: new Int32Array(n),
    months: new Int32Array(n),
    records: new Int32Array(n),
    absence: new Float64Array(n),
    chronic: new Int32Array(n),
    lastDays: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const a = rows[i] >= 0 ? src.whole : src.cut;
    const o = rows[i] >= 0 ? rows[i] : ~rows[i];
    sums.studentIds[i] = a[o];
    sums.months[i] = rows[i] >= 0 ? whole.months[o / WHOLE_FIELDS] : monthOfDayCached(a[o + 2]);
    sums.records[i] = a[o + 3];
    sums.absence[i] = a[o + 4];
    sums.chronic[i] = a[o + 5];
    sums.lastDays[i] = a[o + 6];
  }
  return sums;
}

/** 'YYYY-MM-DD' → day number (days since 1970-01-01); a month's first day → its month number. */
const dayOf = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
const monthNumber = (iso: string) => Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1;
/** a date column as a day number */
const dayNumber = (d: RawBuilder<unknown>) => sql`(${d} - DATE '1970-01-01')`;
/**
 * rows packed as bytes, a chunk of students a value (see packed-rows.ts): each field as int4 (a NULL as
 * NULL_INT4) or float8, in the layout's order
 */
const packed = (fields: [RawBuilder<unknown>, PackedField][]) =>
  sql`string_agg(${sql.join(
    fields.map(([f, kind]) =>
      kind === 'int4'
        ? sql`int4send(coalesce((${f})::int4, ${sql.lit(NULL_INT4)}))`
        : sql`float8send((${f})::float8)`,
    ),
    sql` || `,
  )}, ''::bytea) AS t`;

/** Runs a read on a connection with the panel's settings (a transaction of its own, or the one open). */
type Runner = <T>(fn: (db: Kysely<Database>) => Promise<T>) => Promise<T>;

async function panelSources(
  run: Runner,
  concurrent: boolean,
  studyId: number,
  windowList: readonly OutcomeWindow[],
  scope: 'study' | 'districts',
): Promise<PanelSources | null> {
  const members =
    scope === 'study'
      ? sql`SELECT m.student_id, s.district_id
      FROM assignment_member m JOIN student s ON s.id = m.student_id
      WHERE m.study_id = ${studyId}`
      : sql`SELECT s.id AS student_id, s.district_id FROM student s
      WHERE s.district_id IN (SELECT s2.district_id FROM assignment_member m
        JOIN student s2 ON s2.id = m.student_id WHERE m.study_id = ${studyId})`;
  // The study's districts as constants, so the planner prunes attendance_day's partitions when it
  // plans and aggregates each partition on its own (partitionwise: small hash tables).
  const districts = await run((db) =>
    sql<{ district_id: number }>`SELECT DISTINCT s.district_id
    FROM assignment_member m JOIN student s ON s.id = m.student_id WHERE m.study_id = ${studyId}
    ORDER BY s.district_id`.execute(db),
  );
  if (districts.rows.length === 0) return null;
  const districtIds = sql.join(districts.rows.map((d) => sql.lit(Number(d.district_id))));
  const numbers = (q: RawBuilder<{ t: Uint8Array }>, layout: readonly PackedField[]) =>
    run(async (db) =>
      unpackBinary(
        (await q.execute(db)).rows.map((r) => r.t),
        layout,
      ),
    );
  const [memberMap, { spans, calendars }, whole, cut, monthly] = await inTurnOrAtOnce(
    concurrent,
    async () => {
      const rows = await numbers(
        sql`SELECT ${packed([
          [sql`student_id`, 'int4'],
          [sql`district_id`, 'int4'],
        ])}
      FROM (${members}) mb GROUP BY student_id / 4096`,
        ['int4', 'int4'],
      );
      const map = new Map<number, number>();
      for (let i = 0; i < rows.length; i += 2) map.set(rows[i], rows[i + 1]);
      return map;
    },
    async () => {
      const rows = await numbers(
        sql`SELECT ${packed([
          [sql`e.student_id`, 'int4'],
          [sql`e.school_id`, 'int4'],
          [dayNumber(sql`e.entry_date`), 'int4'],
          [dayNumber(sql`e.exit_date`), 'int4'],
        ])}
      FROM (${members}) mb JOIN enrollment e ON e.student_id = mb.student_id GROUP BY e.student_id / 4096`,
        ['int4', 'int4', 'int4', 'int4'],
      );
      const spans: EnrollmentSpan[] = [];
      for (let i = 0; i < rows.length; i += 4)
        spans.push({
          studentId: rows[i],
          schoolId: rows[i + 1],
          entry: rows[i + 2],
          exit: Number.isNaN(rows[i + 3]) ? null : rows[i + 3],
        });
      return { spans, calendars: await run((db) => instructionalDays(db, spans, windowList)) };
    },
    () => numbers(wholeMonthsQuery(windowList, districtIds), WHOLE_LAYOUT),
    () => numbers(cutMonthsQuery(windowList, districtIds), CUT_LAYOUT),
    () => run((db) => monthlyRows(db, windowList, members)),
  );
  return { members: memberMap, whole, cut, monthly, calendars, spans };
}

/** Each school's instructional days (day numbers) between the windows' first and last day. */
async function instructionalDays(
  db: Kysely<Database>,
  spans: readonly EnrollmentSpan[],
  windowList: readonly OutcomeWindow[],
): Promise<InstructionalDays[]> {
  const schools = [...new Set(spans.map((e) => e.schoolId))];
  if (schools.length === 0) return [];
  const first = windowList.map((w) => w.start).sort()[0];
  const last = windowList
    .map((w) => w.end)
    .sort()
    .at(-1)!;
  const r = await sql<InstructionalDays>`
    SELECT c.school_id AS "schoolId", array_agg(${dayNumber(sql`c.date`)} ORDER BY c.date) AS days
    FROM calendar_day c
    WHERE c.instructional AND c.school_id = ANY(${schools}::int[]) AND c.date BETWEEN ${first}::date AND ${last}::date
    GROUP BY c.school_id`.execute(db);
  return r.rows;
}

/** The stored months (attendance_day_month) wholly inside any window, each once. */
function wholeMonthsQuery(windowList: readonly OutcomeWindow[], districtIds: RawBuilder<unknown>) {
  const ranges = windowList.flatMap((w) => {
    const whole = splitWindow(w).whole;
    return whole ? [sql`s.month BETWEEN ${whole.first}::date AND ${whole.last}::date`] : [];
  });
  if (ranges.length === 0) return sql<{ t: Uint8Array }>`SELECT ''::bytea AS t WHERE false`;
  return sql<{ t: Uint8Array }>`SELECT ${packed([
    [sql`s.student_id`, 'int4'],
    [sql`s.district_id`, 'int4'],
    [dayNumber(sql`s.month`), 'int4'],
    [sql`s.records`, 'int4'],
    [sql`s.absence`, 'float8'],
    [sql`s.chronic`, 'int4'],
    [dayNumber(sql`s.last_date`), 'int4'],
  ])}
    FROM attendance_day_month s
    WHERE s.district_id IN (${districtIds}) AND (${sql.join(ranges, sql` OR `)})
    GROUP BY s.district_id, s.student_id / 1024`;
}

/**
 * The daily rows of the months a window cuts, summed per window, student and month: each daily row's
 * mask has bit k set when its date lies in window k's cut days; the rows are grouped per student,
 * month, absent fraction (in-school suspension counts as present) and mask first, and each window's
 * exact numeric sums run over those groups.
 */
function cutMonthsQuery(windowList: readonly OutcomeWindow[], districtIds: RawBuilder<unknown>) {
  const split = windowList.map(splitWindow);
  const cutWindows = windowList.map((_, k) => k).filter((k) => split[k].cut.length > 0);
  if (cutWindows.length === 0) return sql<{ t: Uint8Array }>`SELECT ''::bytea AS t WHERE false`;
  const inCut = (k: number) =>
    sql.join(
      split[k].cut.map((c) => sql`a.date BETWEEN ${c.start}::date AND ${c.end}::date`),
      sql` OR `,
    );
  const inAny = sql.join(
    cutWindows.map((k) => sql`(${inCut(k)})`),
    sql` OR `,
  );
  const mask = sql.join(
    cutWindows.map((k) => sql`CASE WHEN ${inCut(k)} THEN ${sql.lit(2 ** k)} ELSE 0 END`),
    sql` + `,
  );
  // window k's sums over the groups whose mask has bit k, as columns of daily_sums, then one row per window
  const windowSums = sql.join(
    cutWindows.map((k) => {
      const inK = sql`g.mask & ${sql.lit(2 ** k)} <> 0`;
      return sql`sum(g.n) FILTER (WHERE ${inK}) AS ${sql.raw(`records_${k}`)},
        max(g.last_date) FILTER (WHERE ${inK}) AS ${sql.raw(`last_${k}`)},
        sum(g.n * g.fraction::numeric) FILTER (WHERE ${inK}) AS ${sql.raw(`absence_${k}`)},
        sum(g.n) FILTER (WHERE ${inK} AND g.fraction >= 0.5) AS ${sql.raw(`chronic_${k}`)}`;
    }),
  );
  const windowValues = sql.join(
    cutWindows.map(
      (k) => sql`(${sql.lit(k)}, ${sql.raw(`d.records_${k}, d.last_${k}, d.absence_${k}, d.chronic_${k}`)})`,
    ),
  );
  return sql<{ t: Uint8Array }>`
    WITH daily_groups AS (
      SELECT a.district_id, a.student_id, date_trunc('month', a.date::timestamp)::date AS month,
        CASE WHEN a.suspension = 'iss' THEN 0::real ELSE a.absent_fraction END AS fraction,
        ${mask} AS mask, count(*) AS n, max(a.date) AS last_date
      FROM attendance_day a
      WHERE a.district_id IN (${districtIds}) AND (${inAny})
      GROUP BY a.district_id, a.student_id, 3, 4, 5
    ),
    -- per student and month, each window's sums over its groups (sorted by the groups' own key, so
    -- the groups stream into these sums without another hash table)
    daily_sums AS (
      SELECT g.district_id, g.student_id, g.month, ${windowSums}
      FROM daily_groups g
      GROUP BY g.district_id, g.student_id, g.month
    )
    SELECT ${packed([
      [sql`v.k`, 'int4'],
      [sql`d.student_id`, 'int4'],
      [sql`d.district_id`, 'int4'],
      [dayNumber(sql`d.month`), 'int4'],
      [sql`v.records`, 'int4'],
      [sql`v.absence`, 'float8'],
      [sql`coalesce(v.chronic, 0)`, 'int4'],
      [dayNumber(sql`v.last_date`), 'int4'],
    ])}
    FROM daily_sums d CROSS JOIN LATERAL (VALUES ${windowValues}) AS v(k, records, last_date, absence, chronic)
    WHERE v.records IS NOT NULL
    GROUP BY d.district_id, d.student_id / 1024`;
}

/** The monthly attendance rows of the members in each window's months. */
async function monthlyRows(
  db: Kysely<Database>,
  windowList: readonly OutcomeWindow[],
  members: RawBuilder<unknown>,
): Promise<(MonthlyRow & { k: number })[]> {
  const wins = sql.join(windowList.map((w, k) => sql`(${sql.lit(k)}, ${w.start}::date, ${w.end}::date)`));
  const r = await sql<{ k: number; student_id: number; month: string; enrolled: number; absent: number }>`
    WITH wins(k, lo, hi) AS (VALUES ${wins})
    SELECT w.k, am.student_id, to_char(am.month, 'YYYY-MM') AS month, am.enrolled_days::float8 AS enrolled,
      am.absent_days::float8 AS absent
    FROM attendance_month am JOIN (${members}) mb ON mb.student_id = am.student_id
    JOIN wins w ON am.month BETWEEN date_trunc('month', w.lo::timestamp)::date AND w.hi`.execute(db);
  return r.rows.map((x) => ({
    k: x.k,
    studentId: x.student_id,
    month: monthNumber(x.month),
    enrolledDays: x.enrolled,
    absentDays: x.absent,
  }));
}

/**
 * Every randomized student of the study (all waves) with arm, block, baseline covariates and the
 * window totals of the panel (zeros for a student with no enrolled day in the window), ordered by
 * student key (code units). Pass the panel when it is already loaded.
 */
export async function loadStudentOutcomes(
  db: Kysely<Database>,
  studyId: number,
  w: OutcomeWindow,
  panel?: StudentMonthRow[],
): Promise<StudentOutcomeRow[]> {
  const months = panel ?? (await loadStudentMonths(db, studyId, w));
  return studentOutcomes(await loadRandomizedStudents(db, studyId), months);
}

/** A randomized student of the study as the roster and the assignment record give it (no outcomes). */
export type RandomizedStudent = Omit<
  StudentOutcomeRow,
  'enrolledDays' | 'absenceDays' | 'chronicDays' | 'recordMonths'
>;

/**
 * Every randomized student of the study (all waves) with arm, block and baseline covariates, ordered
 * by student key (code units). (loadStudentOutcomes without the outcomes: it reads no attendance, so
 * it can run beside the panels' queries.)
 */
export async function loadRandomizedStudents(
  db: Kysely<Database>,
  studyId: number,
): Promise<RandomizedStudent[]> {
  const rows = await db
    .selectFrom('assignment_member as m')
    .innerJoin('assignment as a', (j) =>
      j.onRef('a.study_id', '=', 'm.study_id').onRef('a.unit_key', '=', 'm.unit_key'),
    )
    .innerJoin('student as s', 's.id', 'm.student_id')
    .innerJoin('district as d', 'd.id', 's.district_id')
    .innerJoin('household as h', 'h.id', 's.household_id')
    .select([
      'm.student_id',
      'm.student_key',
      'm.unit_key',
      'a.block_key',
      'a.arm',
      'd.nces_leaid',
      'h.household_key',
      's.grade',
      's.sex',
      's.race_ethnicity',
      's.english_learner',
      's.disability',
      's.low_income',
      's.prior_year_absence_rate',
    ])
    .where('m.study_id', '=', studyId)
    .execute();
  // Ordered here by code units, not by the database's collation, so every database gives one order.
  rows.sort((a, b) => (a.student_key < b.student_key ? -1 : a.student_key > b.student_key ? 1 : 0));
  return rows.map((r) => ({
    studentId: r.student_id,
    studentKey: r.student_key,
    unitKey: r.unit_key,
    blockKey: r.block_key,
    arm: r.arm,
    districtLeaid: r.nces_leaid,
    householdKey: r.household_key,
    grade: r.grade,
    sex: r.sex,
    raceEthnicity: r.race_ethnicity,
    englishLearner: r.english_learner,
    disability: r.disability,
    lowIncome: r.low_income,
    priorYearAbsenceRate: r.prior_year_absence_rate === null ? null : Number(r.prior_year_absence_rate),
  }));
}

/** A student's totals over a window's panel (the outcome fields of StudentOutcomeRow). */
export type WindowTotals = Pick<
  StudentOutcomeRow,
  'enrolledDays' | 'absenceDays' | 'chronicDays' | 'recordMonths'
>;

/** The totals of a student with no enrolled day in the window. */
export const NO_TOTALS: Readonly<WindowTotals> = Object.freeze({
  enrolledDays: 0,
  absenceDays: 0,
  chronicDays: 0,
  recordMonths: 0,
});

/** Each student's totals summed over a window's panel (students without a row have none: NO_TOTALS). Pure. */
export function windowTotals(panel: readonly StudentMonthRow[]): Map<number, WindowTotals> {
  const totals = new Map<number, WindowTotals>();
  for (const m of panel) {
    let t = totals.get(m.studentId);
    if (!t)
      totals.set(m.studentId, (t = { enrolledDays: 0, absenceDays: 0, chronicDays: 0, recordMonths: 0 }));
    t.enrolledDays += m.enrolledDays;
    t.absenceDays += m.absenceDays;
    t.chronicDays += m.chronicDays;
    if (m.source === 'records') t.recordMonths += 1;
  }
  for (const t of totals.values()) t.absenceDays = roundDays(t.absenceDays);
  return totals;
}

/**
 * The randomized students (loadRandomizedStudents) with their window totals summed over the window's
 * panel: zeros for a student with no enrolled day in the window. Pure.
 */
export function studentOutcomes(
  students: readonly RandomizedStudent[],
  panel: readonly StudentMonthRow[],
): StudentOutcomeRow[] {
  const totals = windowTotals(panel);
  return students.map((r) => outcomeRow(r, totals.get(r.studentId) ?? NO_TOTALS));
}

/**
 * A randomized student with their totals, written out field by field (a spread of each of 108,000
 * students cost half a second at national scale).
 */
export function outcomeRow(r: RandomizedStudent, t: Readonly<WindowTotals>): StudentOutcomeRow {
  return {
    studentId: r.studentId,
    studentKey: r.studentKey,
    unitKey: r.unitKey,
    blockKey: r.blockKey,
    arm: r.arm,
    districtLeaid: r.districtLeaid,
    householdKey: r.householdKey,
    grade: r.grade,
    sex: r.sex,
    raceEthnicity: r.raceEthnicity,
    englishLearner: r.englishLearner,
    disability: r.disability,
    lowIncome: r.lowIncome,
    priorYearAbsenceRate: r.priorYearAbsenceRate,
    enrolledDays: t.enrolledDays,
    absenceDays: t.absenceDays,
    chronicDays: t.chronicDays,
    recordMonths: t.recordMonths,
  };
}

/** A window's whole months (first and last month's first day) and the days of the months it cuts. */
export function splitWindow(w: OutcomeWindow): {
  whole: { first: string; last: string } | null;
  cut: OutcomeWindow[];
} {
  const first = w.start.endsWith('-01') ? w.start : nextMonth(w.start);
  const after = nextDay(w.end);
  const lastEnd = after.endsWith('-01') ? w.end : previousDay(monthOf(w.end));
  if (first > lastEnd) return { whole: null, cut: w.start <= w.end ? [w] : [] };
  const cut: OutcomeWindow[] = [];
  if (w.start < first) cut.push({ start: w.start, end: previousDay(first) });
  if (lastEnd < w.end) cut.push({ start: nextDay(lastEnd), end: w.end });
  return { whole: { first, last: monthOf(lastEnd) }, cut };
}

const DAY_MS = 86_400_000;
const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const msOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const nextDay = (iso: string) => isoOf(msOf(iso) + DAY_MS);
const previousDay = (iso: string) => isoOf(msOf(iso) - DAY_MS);
const monthOf = (iso: string) => `${iso.slice(0, 7)}-01`;
function nextMonth(iso: string): string {
  const d = new Date(msOf(monthOf(iso)));
  return isoOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}
