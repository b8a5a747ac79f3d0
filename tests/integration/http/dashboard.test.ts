import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import request from 'supertest';
import type { Express } from 'express';
import type { Db } from '../../../db/connection.ts';
import { openTestDatabase, testDialect } from '../../helpers/database.ts';
import { seedHttpFixture, testApp, type Tokens } from './http-fixture.ts';

/**
 * The staff and analyst dashboard: every figure it shows is checked against numbers computed here
 * from the rows the test inserted (monthly attendance) or counted from the database.
 */

let db: Db;
let tokens: Tokens;
let app: Express;

/** Monthly attendance of every randomized student of s1: enrolled 20 days, absent (id mod 4) days. */
async function seedAttendance(): Promise<Map<string, { absent: number; enrolled: number }>> {
  const k = db.kysely;
  const members = await sql<{ student_id: number; district_id: number; arm: string }>`
    SELECT m.student_id, s.district_id, a.arm FROM assignment_member m
      JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
      JOIN student s ON s.id = m.student_id JOIN study st ON st.id = m.study_id
     WHERE st.slug = 's1'`.execute(k);
  const imports = new Map<number, number>();
  const sums = new Map<string, { absent: number; enrolled: number }>();
  for (const m of members.rows) {
    if (!imports.has(m.district_id)) {
      const f = await sql<{ id: number }>`
        INSERT INTO import_file (district_id, kind, sha256, file_name, rows_read, rows_inserted, rows_replaced, rows_unchanged)
        VALUES (${m.district_id}, 'attendance_monthly', ${'d'.repeat(64)}, 'attendance.csv', 0, 0, 0, 0) RETURNING id`.execute(
        k,
      );
      imports.set(m.district_id, f.rows[0].id);
    }
    for (const [month, extra] of [
      ['2026-09', 0],
      ['2026-10', 1],
    ] as const) {
      const absent = (m.student_id % 4) + extra;
      await sql`
        INSERT INTO attendance_month (student_id, month, enrolled_days, absent_days, import_id)
        VALUES (${m.student_id}, ${month + '-01'}, 20, ${absent}, ${imports.get(m.district_id)!})`.execute(k);
      const key = `${month} ${m.arm}`;
      const s = sums.get(key) ?? { absent: 0, enrolled: 0 };
      s.absent += absent;
      s.enrolled += 20;
      sums.set(key, s);
    }
  }
  return sums;
}

let attendance: Map<string, { absent: number; enrolled: number }>;

beforeAll(async () => {
  db = await openTestDatabase();
  tokens = await seedHttpFixture(db);
  attendance = await seedAttendance();
  app = testApp(db);
});
afterAll(async () => {
  await db?.close();
});

function cookieValue(setCookie: string[] | string | undefined, name: string): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = all.find((x) => x.startsWith(`${name}=`));
  return c ? c.slice(name.length + 1).split(';')[0] : '';
}

async function dashboard(token: string): Promise<string> {
  const form = await request(app).get('/portal/login').expect(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)![1];
  const res = await request(app)
    .post('/portal/login')
    .set('Cookie', `pilot_login_csrf=${cookieValue(form.headers['set-cookie'], 'pilot_login_csrf')}`)
    .type('form')
    .send({ csrf, token })
    .expect(303);
  const cookie = `pilot_session=${cookieValue(res.headers['set-cookie'], 'pilot_session')}`;
  return (await request(app).get('/portal').set('Cookie', cookie).expect(200)).text;
}

const pct = (x: number) => `${(Math.round(x * 1000) / 10).toFixed(1)} %`;
const unescape = (s: string) =>
  s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe(`staff and analyst dashboard (${testDialect})`, () => {
  it('shows attendance by month and arm as a chart with its text alternative, from the imported rows', async () => {
    const html = await dashboard(tokens.analyst);
    expect(html).toMatch(/<h3[^>]*>Attendance<\/h3>/);
    const figure = /<figure id="s1-attendance">([\s\S]*?)<\/figure>/.exec(html);
    expect(figure).not.toBeNull();
    expect(figure![1]).toMatch(/<svg role="img" aria-labelledby="s1-attendance-title s1-attendance-desc"/);
    const caption = unescape(
      /<figcaption id="s1-attendance-desc">([^<]*)<\/figcaption>/.exec(figure![1])![1],
    );
    expect(attendance.size).toBe(4); // two months × two arms
    for (const [key, s] of attendance) expect(caption).toContain(`${key} ${pct(1 - s.absent / s.enrolled)}`);
  });

  it('shows the balance by district and arm as counted in the database', async () => {
    const html = await dashboard(tokens.staff);
    const counts = await sql<{ leaid: string; arm: string; n: number }>`
      SELECT d.nces_leaid AS leaid, a.arm, count(*)::int AS n FROM assignment_member m
        JOIN assignment a ON a.study_id = m.study_id AND a.unit_key = m.unit_key
        JOIN student s ON s.id = m.student_id JOIN district d ON d.id = s.district_id
        JOIN study st ON st.id = m.study_id WHERE st.slug = 's1' GROUP BY 1, 2`.execute(db.kysely);
    expect(counts.rows.length).toBeGreaterThan(0);
    const caption = unescape(/<figcaption id="s1-balance-desc">([^<]*)<\/figcaption>/.exec(html)![1]);
    for (const c of counts.rows) {
      expect(caption).toContain(`${c.leaid} ${c.arm} ${c.n}`);
      expect(html).toMatch(
        new RegExp(
          `<td>${c.leaid}</td><td>${c.arm}</td><td class="num">\\d+</td><td class="num">${c.n}</td>`,
        ),
      );
    }
  });

  it('raises the contamination alarm when students of an arm without a program were messaged', async () => {
    // The fixture has no outreach program, so every messaged student is one too many.
    const messaged = await sql<{ arm: string; n: number }>`
      SELECT a.arm, count(DISTINCT m.student_id)::int AS n FROM message m
        JOIN assignment_member am ON am.student_id = m.student_id
        JOIN assignment a ON a.study_id = am.study_id AND a.unit_key = am.unit_key GROUP BY 1`.execute(
      db.kysely,
    );
    const html = await dashboard(tokens.staff);
    const alarm = /<p class="error" role="alert">Contamination alarm: ([^<]*)<\/p>/.exec(html);
    expect(alarm).not.toBeNull();
    const total = [...alarm![1].matchAll(/(\d+) students of arm/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(total).toBe(messaged.rows.reduce((n, r) => n + r.n, 0));
    expect(html).toContain('Messages by month and arm');
  });

  it('names the latest report runs, and has one h1, labelled tables and no scripts', async () => {
    const html = await dashboard(tokens.staff);
    expect(html).toMatch(/<h3>Latest report<\/h3>/);
    expect(html).toMatch(/district \d{7}/);
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script/i);
    const tables = html.match(/<table>/g)?.length ?? 0;
    expect(html.match(/<table><caption>/g)?.length).toBe(tables);
  });
});
