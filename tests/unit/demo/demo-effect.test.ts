import { describe, expect, it } from '@jest/globals';
import { effectCorrections, hashUniform, type DemoEffectParams } from '../../../demo/demo-effect.ts';

const HEADER = 'student_id,date,category,absent_fraction,suspension,sis_code';
const p: DemoEffectParams = {
  seed: 's',
  effect: 0.5,
  followUpStart: '2025-10-01',
  followUpEnd: '2026-04-30',
};

/** Every school day of two students from September to May; absent on every Monday and Wednesday. */
function daily(): string {
  const lines = [HEADER];
  for (const id of ['A1', 'B2']) {
    for (let t = Date.UTC(2025, 8, 1); t <= Date.UTC(2026, 4, 29); t += 86_400_000) {
      const d = new Date(t);
      const day = d.getUTCDay();
      if (day === 0 || day === 6) continue;
      const date = d.toISOString().slice(0, 10);
      if (day === 1) lines.push(`${id},${date},unexcused,1,,AU`);
      else if (day === 3) lines.push(`${id},${date},partial,0.5,,HD`);
      else if (day === 5 && date === '2025-11-07') lines.push(`${id},${date},excused,1,oss,OSS`);
      else lines.push(`${id},${date},present,0,,P`);
    }
  }
  return lines.join('\n') + '\n';
}

describe('the planted effect', () => {
  it('changes only absences (not suspensions) of reached students, from their first delivery to the end of the follow-up', () => {
    const text = daily();
    const c = effectCorrections(text, new Map([['A1', '2025-11-01']]), p, '0100001');
    const rows = c.text.trim().split('\n');
    expect(rows[0]).toBe(HEADER);
    expect(c.rows).toBe(rows.length - 1);
    expect(c.rows).toBeGreaterThan(10);
    for (const row of rows.slice(1)) {
      const [id, date, category, fraction, suspension, code] = row.split(',');
      expect(id).toBe('A1');
      expect(date >= '2025-11-01' && date <= '2026-04-30').toBe(true);
      expect([category, fraction, suspension, code]).toEqual(['present', '0', '', 'P']);
      // the day was an absence (Monday or Wednesday) in the untreated file
      expect(text).toMatch(new RegExp(`^A1,${date},(unexcused,1|partial,0\\.5),,`, 'm'));
    }
    // removed days are the absent fractions of the changed rows, about half of the eligible ones
    const eligible = text
      .split('\n')
      .filter((l) => /^A1,(2025-1[12]|2026-0[1-4])-\d\d,(unexcused|partial),/.test(l));
    const expected = eligible
      .filter((l) => hashUniform(`s|effect|0100001|A1|${l.split(',')[1]}`) < p.effect)
      .reduce((n, l) => n + Number(l.split(',')[3]), 0);
    expect(c.removed.get('A1')).toBeCloseTo(expected, 10);
    expect(c.removed.has('B2')).toBe(false);
    expect(c.rows).toBeGreaterThan(eligible.length * 0.3);
    expect(c.rows).toBeLessThan(eligible.length * 0.7);
  });

  it('starts at the follow-up when delivery came earlier, and is the same whatever the row order', () => {
    const text = daily();
    const early = effectCorrections(text, new Map([['B2', '2025-09-01']]), p, 'x');
    expect(
      early.text
        .split('\n')
        .slice(1, -1)
        .every((l) => l.split(',')[1] >= '2025-10-01'),
    ).toBe(true);
    const [header, ...rest] = text.trim().split('\n');
    const shuffled = [header, ...rest.reverse()].join('\n') + '\n';
    const again = effectCorrections(shuffled, new Map([['B2', '2025-09-01']]), p, 'x');
    expect(again.removed).toEqual(early.removed);
    expect(new Set(again.text.split('\n'))).toEqual(new Set(early.text.split('\n')));
  });

  it('writes the district SIS code of a present day, and nothing when no one was reached', () => {
    const text = daily().replace(/,present,0,,P$/gm, ',present,0,,PRS');
    const c = effectCorrections(text, new Map([['A1', '2025-10-01']]), p, 'x');
    expect(c.text.split('\n')[1]).toMatch(/,present,0,,PRS$/);
    expect(effectCorrections(text, new Map(), p, 'x')).toMatchObject({ rows: 0, text: `${HEADER}\n` });
  });
});
