import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { main } from '../../../cli/main.ts';
import {
  closeTo,
  loadEventStudyGolden,
  type EventStudyCase,
} from '../analysis/event-study/event-study-fixtures.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(['node', 'pilot', ...args], { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

type Json = Record<string, unknown>;

/** The golden's CLI arguments with the panel path made absolute. */
function cliArgs(c: EventStudyCase): string[] {
  return c.cli_args.map((a) => (a.startsWith('data/') ? join(fixtures, 'event-study', a) : a));
}

function compare(c: EventStudyCase, row: Json | undefined): void {
  if (!row) throw new Error(`${c.case_id}: not in the output`);
  for (const key of ['estimate', 'std_error', 'p_value', 'conf_low', 'conf_high'] as const) {
    const expected = c[key];
    const actual = row[key] as number | null;
    if (expected === null) {
      if (actual !== null && actual !== 0) throw new Error(`${c.case_id} ${key}: ${actual} vs null`);
      continue;
    }
    if (actual === null || !closeTo(actual, expected))
      throw new Error(`${c.case_id} ${key}: ${actual} vs ${expected}`);
  }
}

describe('pilot event-study on the did 2.5.1 / fixest 0.14.2 goldens', () => {
  const golden = loadEventStudyGolden();
  const runs = new Map<string, EventStudyCase[]>();
  for (const c of golden.cases) {
    const key = c.cli_args.join(' ');
    runs.set(key, [...(runs.get(key) ?? []), c]);
  }
  it('covers all 366 cases in', () => {
    expect([...runs.values()].reduce((s, cases) => s + cases.length, 0)).toBe(366);
  });
  it.each([...runs.entries()])('%s', async (_key, cases) => {
    const out = await run(cliArgs(cases[0]));
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as Json;
    const terms = json.terms as Json[];
    const attGt = json.att_gt as Json[];
    for (const c of cases) {
      if (c.output === 'twfe_event_study' || c.output === 'aggte_dynamic')
        compare(
          c,
          terms.find((t) => t.event_time === c.event_time),
        );
      else if (c.output === 'aggte_dynamic_overall') compare(c, json.overall as Json);
      else {
        const group = (c as unknown as { group: number }).group;
        const time = (c as unknown as { time: number }).time;
        compare(
          c,
          attGt.find((a) => a.group === group && a.time === time),
        );
      }
    }
  });
});

function writePanel(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-es-'));
  const file = join(dir, 'panel.csv');
  writeFileSync(file, text);
  return file;
}

const base = ['--id', 'id', '--time', 't', '--cohort', 'g', '--outcome', 'y', '--method', 'twfe'];

describe('pilot event-study refuses bad panels with file:line:column', () => {
  it.each([
    [
      'a duplicate (id, time)',
      'id,t,g,y\n1,1,2,0.5\n1,1,2,0.7\n',
      ':3:t: unit "1" already has a row for time 1 (line 2)',
    ],
    [
      'a cohort that changes within a unit',
      'id,t,g,y\n1,1,2,0.5\n1,2,3,0.7\n',
      ':3:g: cohort of unit "1" changes from 2 (line 2) to 3',
    ],
    ['a non-integer time', 'id,t,g,y\n1,1.5,2,0.5\n', ':2:t: time "1.5" is not an integer period'],
    [
      'a cohort after the last period',
      'id,t,g,y\n1,1,0,0.5\n1,2,0,0.7\n2,1,9,1\n2,2,9,2\n',
      ':4:g: cohort 9 of unit "2" is after the last observed period (2)',
    ],
    ['a missing column', 'id,t,g\n1,1,2\n', ':1:y: column "y" is not in the header'],
    ['a non-numeric outcome', 'id,t,g,y\n1,1,2,abc\n', ':2:y: outcome "abc" is not a number'],
  ])('%s', async (_what, text, message) => {
    const file = writePanel(text);
    const out = await run(['event-study', file, ...base]);
    expect(out.code).toBe(65);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(`${file}${message}`);
  });

  it('counts a late cohort as never treated only when asked, and reports it', async () => {
    const rows = ['id,t,g,y'];
    for (let i = 1; i <= 6; i++)
      for (let t = 1; t <= 4; t++)
        rows.push(`${i},${t},${i <= 2 ? 3 : i <= 4 ? 9 : 0},${(i * 7 + t * 3) % 5}`);
    const file = writePanel(rows.join('\n'));
    expect((await run(['event-study', file, ...base])).code).toBe(65);
    const out = await run(['event-study', file, ...base, '--late-cohorts-never-treated', '--json']);
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as {
      input: { late_cohort_units: number };
      warnings: { code: string }[];
    };
    expect(json.input.late_cohort_units).toBe(2);
    expect(json.warnings.map((w) => w.code)).toContain('late-cohorts-never-treated');
  });

  it('names fields in option errors', async () => {
    const file = writePanel('id,t,g,y\n1,1,2,0.5\n');
    const bad = await run(['event-study', file, ...base, '--window', '2,4']);
    expect(bad.code).toBe(65);
    expect(bad.stderr).toMatch(/(--window|`window`): must satisfy LO ≤ −1/);
    const noSeed = await run(['event-study', file, ...base, '--bootstrap', '100']);
    expect(noSeed.stderr).toContain('--seed: is required with --bootstrap');
    const method = await run(['event-study', file, ...base, '--method', 'did']);
    expect(method.stderr).toMatch(/--method: /);
  });
});

describe('pilot event-study, other methods and output', () => {
  const castle = join(fixtures, 'public-data', 'castle.csv');
  const castleArgs = ['--id', 'state', '--time', 'year', '--cohort', 'effyear', '--outcome', 'l_homicide'];

  it('--method bacon lists every comparison and the TWFE estimate they add up to', async () => {
    const out = await run(['event-study', castle, ...castleArgs, '--method', 'bacon', '--json']);
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as {
      comparisons: { type: string; weight: number; estimate: number }[];
      overall: { estimate: number; std_error: number };
    };
    expect(json.comparisons).toHaveLength(25);
    const total = json.comparisons.reduce((s, c) => s + c.weight * c.estimate, 0);
    expect(Math.abs(total - json.overall.estimate)).toBeLessThan(1e-10);
    expect(Math.abs(json.overall.estimate - 0.0818116169306498)).toBeLessThan(1e-9);
    expect(json.overall.std_error).toBeGreaterThan(0);
  });

  it('--method sunab and a readable table', async () => {
    const file = join(fixtures, 'event-study', 'data', 'dev01_dynamic.csv');
    const out = await run([
      'event-study',
      file,
      '--id',
      'student_id',
      '--time',
      'month',
      '--cohort',
      'cohort',
      '--outcome',
      'absent_days',
      '--method',
      'sunab',
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('method sunab, control never');
    expect(out.stdout).toMatch(/pre-trend test: statistic [\d.]+ on 6 and 599 df/);
  });

  it('--bootstrap B --seed S gives reproducible uniform bands wider than the pointwise intervals', async () => {
    const file = join(fixtures, 'event-study', 'data', 'dev01_dynamic.csv');
    const args = [
      'event-study',
      file,
      '--id',
      'student_id',
      '--time',
      'month',
      '--cohort',
      'cohort',
      '--outcome',
      'absent_days',
      '--method',
      'twfe',
      '--bootstrap',
      '500',
      '--seed',
      's1',
      '--json',
    ];
    const a = JSON.parse((await run(args)).stdout) as { terms: { conf_low: number; uniform_low: number }[] };
    const b = JSON.parse((await run(args)).stdout) as typeof a;
    expect(a.terms).toEqual(b.terms);
    for (const t of a.terms) expect(t.uniform_low).toBeLessThan(t.conf_low);
  });

  it('has --help', async () => {
    const out = await run(['event-study', '--help']);
    expect(out.stdout).toContain('--allow-unbalanced-panel');
    expect(out.stdout).toContain('cs | twfe | sunab | bacon');
  });
});

describe('pilot event-study --by', () => {
  it('adds one event study per subgroup, each the same as the method on that subgroup alone', async () => {
    const file = join(fixtures, 'event-study', 'data', 'dev01_dynamic.csv');
    const args = [
      'event-study',
      file,
      '--id',
      'student_id',
      '--time',
      'month',
      '--cohort',
      'cohort',
      '--outcome',
      'absent_days',
      '--method',
      'twfe',
      '--json',
    ];
    const out = await run([...args, '--by', 'district']);
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as {
      n_units: number;
      subgroups: { variable: string; value: string; n_units: number; terms: { estimate: number }[] }[];
    };
    expect(json.subgroups.map((g) => g.value)).toEqual([
      'D01',
      'D02',
      'D03',
      'D04',
      'D05',
      'D06',
      'D07',
      'D08',
      'D09',
      'D10',
    ]);
    expect(json.subgroups.reduce((s, g) => s + g.n_units, 0)).toBe(json.n_units);
    const rows = readFileSync(file, 'utf8').split('\n');
    const d03 = writePanel([rows[0], ...rows.slice(1).filter((r) => r.split(',')[1] === 'D03')].join('\n'));
    const alone = JSON.parse((await run(['event-study', d03, ...args.slice(2)])).stdout) as {
      terms: { estimate: number }[];
    };
    expect(json.subgroups[2].terms).toEqual(alone.terms);
    expect(
      (JSON.parse(out.stdout) as { subgroup_heterogeneity: { df: number } }).subgroup_heterogeneity.df,
    ).toBe(9);
  });
});

describe('pilot event-study --method bacon on an unbalanced panel', () => {
  const file = join(fixtures, 'event-study', 'data', 'dev02_no_never_unbalanced.csv');
  const args = [
    'event-study',
    file,
    '--id',
    'student_id',
    '--time',
    'month',
    '--cohort',
    'cohort',
    '--outcome',
    'absent_days',
    '--method',
    'bacon',
  ];
  it('drops the incomplete units and says how many', async () => {
    const out = await run([...args, '--json']);
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as {
      n_units: number;
      input: { unbalanced_units: number };
      warnings: { code: string; message: string }[];
    };
    const dropped = json.warnings.find((w) => w.code === 'unbalanced-units-dropped')!;
    expect(dropped.message).toContain(`${json.input.unbalanced_units} units`);
    expect(json.n_units).toBe(500 - json.input.unbalanced_units);
  });
  it('refuses with --allow-unbalanced-panel', async () => {
    const out = await run([...args, '--allow-unbalanced-panel']);
    expect(out.code).toBe(65);
    expect(out.stderr).toContain('needs a balanced panel');
  });
});
