import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { main } from '../../../cli/main.ts';

const csvDir = fileURLToPath(new URL('../../fixtures/csv/', import.meta.url));

interface GoldenTerm {
  term: string;
  estimate: number;
  std_error: number;
  statistic: number;
  df: number;
  p_value: number;
  conf_low: number;
  conf_high: number;
}
interface GoldenCase {
  name: string;
  args: string[];
  call: string;
  n: number;
  dropped_missing_outcome: number;
  terms: GoldenTerm[];
}
const golden = JSON.parse(readFileSync(join(csvDir, 'estimate-golden.json'), 'utf8')) as {
  cases: GoldenCase[];
};

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
  const code = await main(['node', 'pilot', 'estimate', ...args], { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

const inCsvDir = (args: string[]) => [join(csvDir, args[0]), ...args.slice(1)];
const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));

describe('pilot estimate against estimatr 1.0.0 (tests/fixtures/csv/estimate-golden.json)', () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { code, stdout, stderr } = await run([...inCsvDir(c.args), '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as {
      n: number;
      dropped_missing_outcome: number;
      terms: GoldenTerm[];
      se_type: string;
    };
    expect(json.n).toBe(c.n);
    expect(json.dropped_missing_outcome).toBe(c.dropped_missing_outcome);
    const treatment = c.args[c.args.indexOf('--received') + 1 || c.args.indexOf('--treatment') + 1];
    const ours = new Map(json.terms.map((t) => [t.term, t]));
    expect(ours.has(treatment)).toBe(true);
    // every term by R's name, no more and no fewer (issue 10 item 10)
    expect([...ours.keys()].sort()).toEqual(c.terms.map((t) => t.term).sort());
    for (const expected of c.terms) {
      const t = ours.get(expected.term)!;
      for (const key of [
        'estimate',
        'std_error',
        'statistic',
        'df',
        'p_value',
        'conf_low',
        'conf_high',
      ] as const) {
        expect([expected.term, key, rel(t[key], expected[key]) < 1e-8]).toEqual([expected.term, key, true]);
      }
    }
  });

  it('follows estimatr defaults: HC2, CR2 with clusters', async () => {
    const plain = JSON.parse(
      (
        await run([
          join(csvDir, 'mtcars.csv'),
          '--outcome',
          'mpg',
          '--treatment',
          'am',
          '--covariates',
          'wt',
          '--method',
          'ols',
          '--json',
        ])
      ).stdout,
    );
    expect(plain.se_type).toBe('HC2');
    const clustered = JSON.parse(
      (
        await run([
          join(csvDir, 'mtcars.csv'),
          '--outcome',
          'mpg',
          '--treatment',
          'am',
          '--covariates',
          'wt',
          '--method',
          'ols',
          '--clusters',
          'carb',
          '--json',
        ])
      ).stdout,
    );
    expect(clustered.se_type).toBe('CR2');
    expect(clustered.n_clusters).toBe(6);
  });

  it('prints a readable table without --json', async () => {
    const { code, stdout } = await run([
      join(csvDir, 'mtcars.csv'),
      '--outcome',
      'mpg',
      '--treatment',
      'am',
      '--blocks',
      'cyl',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/n = 32 \(13 treated, 19 control\), 3 blocks/);
    expect(stdout).toMatch(/rows dropped: 0 with a missing outcome/);
    expect(stdout).toMatch(
      /term\s+estimate\s+std\.error\s+statistic\s+df\s+p\.value\s+conf\.low\s+conf\.high/,
    );
    expect(stdout).toMatch(/^am\s+2\.247396\s+0\.7578304\s+\S+\s+26\s/m);
  });
});

describe('missing covariates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-estimate-cov-'));
  const lines = readFileSync(join(csvDir, 'missing-outcome.csv'), 'utf8').trim().split('\n');
  // blank prior_rate on three students with an outcome (data lines 2, 10 and 21)
  const holed = lines.map((l, i) => ([2, 10, 21].includes(i) ? l.replace(/,[0-9.]+,([^,]*)$/, ',,$1') : l));
  const withHoles = join(dir, 'holes.csv');
  writeFileSync(withHoles, `${holed.join('\n')}\n`);
  const withoutRows = join(dir, 'without.csv');
  writeFileSync(withoutRows, `${lines.filter((_, i) => ![2, 10, 21].includes(i)).join('\n')}\n`);
  const base = ['--outcome', 'absences', '--treatment', 'z', '--covariates', 'prior_rate', '--json'];

  it('drops and counts them for OLS, giving the fit on the remaining rows', async () => {
    const holes = JSON.parse((await run([withHoles, ...base, '--method', 'ols'])).stdout);
    const without = JSON.parse((await run([withoutRows, ...base, '--method', 'ols'])).stdout);
    expect(holes.dropped_missing_covariates).toBe(3);
    expect(holes.n).toBe(34);
    expect(holes.terms).toEqual(without.terms);
  });

  it('drops them for Lin too by default, as estimatr, with a warning naming the first lines (issue 10 item 8)', async () => {
    const holes = JSON.parse((await run([withHoles, ...base])).stdout);
    const without = JSON.parse((await run([withoutRows, ...base])).stdout);
    expect(holes.dropped_missing_covariates).toBe(3);
    expect(holes.n).toBe(34);
    expect(holes.terms).toEqual(without.terms);
    const warning = holes.warnings.find((w: { code: string }) => w.code === 'rows-dropped-missing');
    expect(warning.message).toMatch(
      /^6 rows with a missing value were dropped, as estimatr does \(absences: 3; covariates \(prior_rate\): 3\); first at lines /,
    );
  });

  it('imputes them for Lin with --missing-covariates impute, with a warning', async () => {
    const lin = JSON.parse((await run([withHoles, ...base, '--missing-covariates', 'impute'])).stdout);
    expect(lin.dropped_missing_covariates).toBe(0);
    expect(lin.n).toBe(37);
    expect(lin.warnings.map((w: { code: string }) => w.code)).toContain('covariate-mean-imputed');
    expect(lin.terms.map((t: { term: string }) => t.term)).toEqual(
      expect.arrayContaining(['z', 'prior_rate_c', 'prior_rate_missing_c']),
    );
  });
});

describe('randomization inference', () => {
  it('enumerates the 2^10 sign patterns of the sleep pairs exactly', async () => {
    const { code, stdout } = await run([
      join(csvDir, 'sleep.csv'),
      '--outcome',
      'extra',
      '--treatment',
      'Z',
      '--blocks',
      'ID',
      '--ri',
      '5000',
      '--seed',
      's',
      '--json',
    ]);
    expect(code).toBe(0);
    const ri = JSON.parse(stdout).randomization_inference;
    expect(ri).toMatchObject({ term: 'Z', exact: true, assignments: 1024 });
    // independent check: the matched-pair estimate is the mean pair difference; relabelling a pair flips its sign
    const lines = readFileSync(join(csvDir, 'sleep.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const d: number[] = [];
    for (let id = 1; id <= 10; id++) {
      const rows = lines.filter((r) => r[2] === String(id));
      const t = Number(rows.find((r) => r[1] === '1')![0]);
      const c = Number(rows.find((r) => r[1] === '0')![0]);
      d.push(t - c);
    }
    const observed = Math.abs(d.reduce((a, b) => a + b, 0));
    let extreme = 0;
    for (let mask = 0; mask < 1024; mask++) {
      const s = Math.abs(d.reduce((a, v, b) => a + ((mask >> b) & 1 ? -v : v), 0));
      if (s >= observed - 1e-9) extreme++;
    }
    expect(ri.p_value).toBeCloseTo(extreme / 1024, 12);
    expect(ri.conf_low).toBeLessThan(1.58);
    expect(ri.conf_high).toBeGreaterThan(1.58);
  });

  it('draws seeded permutations when the design is large, reproducibly', async () => {
    const args = [
      join(csvDir, 'mtcars.csv'),
      '--outcome',
      'mpg',
      '--treatment',
      'am',
      '--ri',
      '300',
      '--seed',
      'abc',
      '--json',
    ];
    const first = JSON.parse((await run(args)).stdout).randomization_inference;
    const again = JSON.parse((await run(args)).stdout).randomization_inference;
    expect(first).toEqual(again);
    expect(first).toMatchObject({ exact: false, assignments: 300, seed: 'abc' });
    // a 7.2 mpg difference on 32 cars: no relabelling of 13 cars comes close
    expect(first.p_value).toBeLessThan(0.01);
    const other = JSON.parse(
      (await run([...args.slice(0, -3), '--seed', 'xyz', '--json'])).stdout,
    ).randomization_inference;
    expect(other.conf_low).not.toBe(first.conf_low);
  });
});

describe('randomization inference follows the design (issue 10 items 1-3)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-estimate-ri-'));
  // two blocks of six units, one treated in each: 6 × 6 = 36 within-block assignments (C(12, 2) = 66 across blocks)
  const y = [3.1, 4.7, 2.2, 5.9, 4.4, 3.8, 10.2, 8.1, 9.9, 12.5, 7.7, 9.0];
  const z = [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0];
  const twoBlocks = join(dir, 'two-blocks.csv');
  writeFileSync(twoBlocks, `y,z,b\n${y.map((v, i) => `${v},${z[i]},${i < 6 ? 'b1' : 'b2'}`).join('\n')}\n`);

  it('takes the blocks from the absorbed fixed effect: exact over the 36 within-block assignments', async () => {
    const args = [twoBlocks, '--outcome', 'y', '--treatment', 'z', '--method', 'ols', '--fixed-effects', 'b'];
    const { code, stdout, stderr } = await run([...args, '--ri', '1000', '--seed', 's', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const ri = JSON.parse(stdout).randomization_inference;
    expect(ri).toMatchObject({
      exact: true,
      assignments: 36,
      blocks_from: 'fixed-effects',
      p_value_kind: 'exact',
    });
    // independent enumeration: with one treated unit in each of two equal blocks, the fixed-effects
    // coefficient is the mean over blocks of (treated − mean of the block's controls)
    const effect = (i: number, from: number) => {
      const others = y.slice(from, from + 6).filter((_, k) => from + k !== i);
      return y[i] - others.reduce((a, b) => a + b, 0) / others.length;
    };
    const observed = Math.abs((effect(3, 0) + effect(9, 6)) / 2);
    let extreme = 0;
    for (let i = 0; i < 6; i++)
      for (let j = 6; j < 12; j++)
        if (Math.abs((effect(i, 0) + effect(j, 6)) / 2) >= observed - 1e-9) extreme++;
    expect(ri.as_extreme).toBe(extreme);
    expect(ri.p_value).toBeCloseTo(extreme / 36, 14);
    const table = (await run([...args, '--ri', '1000', '--seed', 's'])).stdout;
    expect(table).toContain('exact, all 36 assignments within the levels of the absorbed fixed effect');
  });

  it('reports the Phipson-Smyth p-value (count + 1) / (draws + 1) for sampled draws, never 0', async () => {
    const n = 40;
    const big = join(dir, 'big-effect.csv');
    writeFileSync(
      big,
      `y,z\n${Array.from({ length: n }, (_, i) => `${(i % 2) * 100 + ((7 * i) % 11) / 10},${i % 2}`).join('\n')}\n`,
    );
    const { code, stdout } = await run([
      big,
      '--outcome',
      'y',
      '--treatment',
      'z',
      '--ri',
      '99',
      '--seed',
      'q',
      '--json',
    ]);
    expect(code).toBe(0);
    const ri = JSON.parse(stdout).randomization_inference;
    expect(ri).toMatchObject({ exact: false, assignments: 99, as_extreme: 0, p_value_kind: 'phipson-smyth' });
    expect(ri.p_value).toBe(1 / 100);
  });

  it('names the reason when the estimator refuses a draw, without a stack trace', async () => {
    // OLS with a factor covariate whose level "rare" holds five of the ten units: the assignment
    // that treats exactly those five makes z collinear with it, and OLS refuses collinear columns
    const rare = join(dir, 'rare-level.csv');
    const rows = Array.from(
      { length: 10 },
      (_, i) => `${(3 * i) % 7},${i < 5 ? 1 : 0},${i % 2 === 0 ? 'rare' : 'common'}`,
    );
    writeFileSync(rare, `y,z,g\n${rows.join('\n')}\n`);
    const { code, stderr } = await run([
      rare,
      '--outcome',
      'y',
      '--treatment',
      'z',
      '--covariates',
      'g',
      '--method',
      'ols',
      '--ri',
      '1000',
      '--seed',
      's',
    ]);
    expect(code).toBe(65);
    expect(stderr).toContain(
      'randomization inference stopped: the estimator refuses one of the assignments of the design',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('weights (issue 10 item 11)', () => {
  const fixture = JSON.parse(
    readFileSync(new URL('../../fixtures/estimators/weights.json', import.meta.url), 'utf8'),
  ) as {
    data: Record<string, (number | string)[]>;
    cases: { name: string; expected: { terms: GoldenTerm[] } }[];
  };
  const dir = mkdtempSync(join(tmpdir(), 'pilot-estimate-weights-'));
  const path = join(dir, 'weighted.csv');
  const names = Object.keys(fixture.data);
  const rows = fixture.data.y.map((_, i) => names.map((n) => String(fixture.data[n][i])).join(','));
  writeFileSync(path, `${names.join(',')}\n${rows.join('\n')}\n`);
  const base = [path, '--outcome', 'y', '--treatment', 'z', '--weights', 'w', '--json'];

  it.each([
    ['ols-clustered-CR2', ['--method', 'ols', '--covariates', 'x', '--clusters', 'hh']],
    ['lin-hc2', ['--covariates', 'x']],
    ['dim-block-clustered', ['--blocks', 'b', '--clusters', 'hh']],
    ['iv-clustered-stata', ['--received', 'received', '--clusters', 'hh', '--se-type', 'stata']],
  ])('--weights gives estimatr 1.0.0 %s', async (name, extra) => {
    const { code, stdout, stderr } = await run([...base, ...extra]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { terms: GoldenTerm[]; design: string };
    const expected = fixture.cases.find((c) => c.name === name)!.expected.terms;
    expect(json.terms.map((t) => t.term).sort()).toEqual(expected.map((t) => t.term).sort());
    for (const e of expected) {
      const t = json.terms.find((x) => x.term === e.term)!;
      for (const key of ['estimate', 'std_error', 'df', 'p_value'] as const)
        expect(rel(t[key], e[key])).toBeLessThan(1e-8);
    }
  });

  it('refuses weighted CR2 with absorbed fixed effects, as estimatr', async () => {
    const { code, stderr } = await run([
      ...base,
      '--method',
      'ols',
      '--fixed-effects',
      'b',
      '--clusters',
      'hh',
    ]);
    expect(code).toBe(65);
    expect(stderr).toContain('Weighted CR2 standard errors cannot be combined with absorbed fixed effects');
  });
});

describe('more than two arms (issue 10 item 12)', () => {
  const fixture = JSON.parse(
    readFileSync(new URL('../../fixtures/estimators/arms.json', import.meta.url), 'utf8'),
  ) as {
    data: Record<string, (number | string)[]>;
    cases: {
      name: string;
      expected: { terms: GoldenTerm[] };
      p_adjust?: { terms: string[]; holm: number[] };
    }[];
    dim_p_adjust: { terms: string[]; BH: number[] };
  };
  const dir = mkdtempSync(join(tmpdir(), 'pilot-estimate-arms-'));
  const path = join(dir, 'arms.csv');
  const names = Object.keys(fixture.data);
  const rows = fixture.data.y.map((_, i) => names.map((n) => String(fixture.data[n][i])).join(','));
  writeFileSync(path, `${names.join(',')}\n${rows.join('\n')}\n`);
  const base = [path, '--outcome', 'y', '--treatment', 'arm', '--json'];
  const expected = (name: string) => fixture.cases.find((c) => c.name === name)!;
  const matches = (terms: GoldenTerm[], golden: GoldenTerm[]) => {
    for (const e of golden) {
      const t = terms.find((x) => x.term === e.term)!;
      expect(t).toBeDefined();
      for (const key of ['estimate', 'std_error', 'df', 'p_value', 'conf_low'] as const)
        expect([e.term, key, rel(t[key], e[key]) < 1e-8]).toEqual([e.term, key, true]);
    }
  };
  const runJson = async (args: string[]) => {
    const { code, stdout, stderr } = await run([...base, ...args]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    return JSON.parse(stdout) as { terms: (GoldenTerm & { p_value_adjusted?: number })[]; n: number };
  };

  it.each([
    ['dim-email', ['--condition1', 'control', '--condition2', 'email']],
    ['dim-blocked-text', ['--blocks', 'b', '--condition1', 'control', '--condition2', 'text']],
    ['lin-arms-hc2', ['--method', 'lin', '--covariates', 'x']],
  ])('gives estimatr 1.0.0 %s', async (name, extra) => {
    const json = await runJson(extra);
    expect(json.terms.map((t) => t.term).sort()).toEqual(
      expected(name)
        .expected.terms.map((t) => t.term)
        .sort(),
    );
    matches(json.terms, expected(name).expected.terms);
  });

  it('adjusts the arms of an OLS fit with --p-adjust holm as R p.adjust does', async () => {
    const json = await runJson([
      '--method',
      'ols',
      '--covariates',
      'x',
      '--condition1',
      'control',
      '--p-adjust',
      'holm',
    ]);
    const golden = expected('ols-arms-hc2');
    matches(json.terms, golden.expected.terms);
    golden.p_adjust!.terms.forEach((term, k) => {
      expect(
        rel(json.terms.find((t) => t.term === term)!.p_value_adjusted!, golden.p_adjust!.holm[k]),
      ).toBeLessThan(1e-8);
    });
    expect(json.terms.find((t) => t.term === 'x')!.p_value_adjusted).toBeUndefined();
  });

  it('compares every arm with the reference by difference in means, BH-adjusted', async () => {
    const json = await runJson(['--p-adjust', 'BH']);
    expect(json.n).toBe(150);
    expect((json as unknown as { arms: unknown }).arms).toEqual({
      reference: 'control',
      compared: ['email', 'text'],
      rows_in_other_arms: 0,
    });
    matches(json.terms, [...expected('dim-email').expected.terms, ...expected('dim-text').expected.terms]);
    fixture.dim_p_adjust.terms.forEach((term, k) => {
      expect(
        rel(json.terms.find((t) => t.term === term)!.p_value_adjusted!, fixture.dim_p_adjust.BH[k]),
      ).toBeLessThan(1e-8);
    });
  });

  it('refuses an unknown condition and randomization inference across three arms', async () => {
    const unknown = await run([...base, '--condition1', 'control', '--condition2', 'sms']);
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toContain(
      'condition "sms" is not a value of column arm (values: control, email, text)',
    );
    const ri = await run([...base, '--ri', '100', '--seed', 's']);
    expect(ri.stderr).toContain('--ri compares two arms; the treatment has 3');
  });
});

describe('joint tests (issue 10 item 13)', () => {
  const fixture = JSON.parse(
    readFileSync(new URL('../../fixtures/estimators/hypotheses.json', import.meta.url), 'utf8'),
  ) as {
    data: Record<string, (number | string)[]>;
    cases: {
      name: string;
      wald: { terms: string[]; statistic: number; num_df: number; den_df: number; p_value: number };
    }[];
  };
  const dir = mkdtempSync(join(tmpdir(), 'pilot-estimate-test-'));
  const path = join(dir, 'grades.csv');
  const names = Object.keys(fixture.data);
  const rows = fixture.data.y.map((_, i) => names.map((n) => String(fixture.data[n][i])).join(','));
  writeFileSync(path, `${names.join(',')}\n${rows.join('\n')}\n`);

  it('tests every treatment-by-grade-band interaction of a clustered Lin fit jointly, as R', async () => {
    const args = [
      path,
      '--outcome',
      'y',
      '--treatment',
      'z',
      '--covariates',
      'x,g',
      '--clusters',
      'hh',
      '--test',
      'z:g',
    ];
    const { code, stdout, stderr } = await run([...args, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const joint = JSON.parse(stdout).joint_test;
    const expected = fixture.cases.find((c) => c.name === 'lin-cr2-interactions')!.wald;
    expect(joint.terms.sort()).toEqual(expected.terms.sort());
    expect(rel(joint.f_statistic, expected.statistic)).toBeLessThan(1e-8);
    expect([joint.num_df, joint.den_df]).toEqual([expected.num_df, expected.den_df]);
    expect(rel(joint.p_value, expected.p_value)).toBeLessThan(1e-8);
    const table = (await run(args)).stdout;
    expect(table).toMatch(
      /joint test that z:g9-12_c, z:gK-5_c are all zero \(Wald, CR2\): F = 2\.617299 on 2 and 119 df/,
    );
  });

  it('refuses a test that names no term, and a test of the difference in means', async () => {
    const none = await run([path, '--outcome', 'y', '--treatment', 'z', '--method', 'ols', '--test', 'w']);
    expect(none.stderr).toContain('--test "w" names no term of the model (terms: (Intercept), z)');
    const dim = await run([path, '--outcome', 'y', '--treatment', 'z', '--test', 'z']);
    expect(dim.stderr).toContain('--test needs a regression');
  });
});

describe('a block with a single unit (issue 10 item 5)', () => {
  const fixture = JSON.parse(
    readFileSync(new URL('../../fixtures/estimators/small-blocks.json', import.meta.url), 'utf8'),
  ) as {
    data: Record<string, (number | string)[]>;
    cases: { name: string; expected: { terms: GoldenTerm[] } }[];
  };
  const dir = mkdtempSync(join(tmpdir(), 'pilot-estimate-small-'));
  const path = join(dir, 'small.csv');
  const names = Object.keys(fixture.data);
  const rows = fixture.data.y.map((_, i) => names.map((n) => String(fixture.data[n][i])).join(','));
  writeFileSync(path, `${names.join(',')}\n${rows.join('\n')}\n`);

  it('is estimated by Lin with the blocks, dropping the collinear block column as estimatr 1.0.0', async () => {
    const args = [
      path,
      '--outcome',
      'y',
      '--treatment',
      'z',
      '--blocks',
      'b',
      '--method',
      'lin',
      '--se-type',
      'HC1',
    ];
    const { code, stdout, stderr } = await run([...args, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { terms: GoldenTerm[]; warnings: { code: string }[] };
    const expected = fixture.cases.find((c) => c.name === 'lin-single-unit-block-HC1')!.expected.terms;
    expect(json.terms.map((t) => t.term).sort()).toEqual(expected.map((t) => t.term).sort());
    const z = json.terms.find((t) => t.term === 'z')!;
    const zR = expected.find((t) => t.term === 'z')!;
    for (const key of ['estimate', 'std_error', 'df', 'p_value'] as const)
      expect(rel(z[key], zR[key])).toBeLessThan(1e-8);
    expect(json.warnings.map((w) => w.code)).toContain('collinear-dropped');
  });

  it('is estimated by the blocked difference in means with the small-block deviation rule: once the one-unit block B3 is dropped, B4 is the only block with a single treated or control unit', async () => {
    const { code, stdout, stderr } = await run([
      path,
      '--outcome',
      'y',
      '--treatment',
      'z',
      '--blocks',
      'b',
      '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { design: string; warnings: { code: string; message: string }[] };
    expect(json.design).toBe('Blocked (small-block deviation)');
    expect(json.warnings.map((w) => w.code)).toEqual([
      'blocks-dropped-no-variation',
      'small-blocks-deviation',
    ]);
    expect(json.warnings[1].message).toContain('"B4"');
  });

  it('is estimated by the blocked difference in means with the small-block variance when two blocks have a single treated unit', async () => {
    const both = join(dir, 'small-two.csv');
    // B4 (two control, one treated) copied as B5 with its treated outcome raised by 1
    const copy = fixture.data.y.flatMap((_, i) =>
      fixture.data.b[i] === 'B4'
        ? [
            names
              .map((n) =>
                n === 'b'
                  ? 'B5'
                  : n === 'y'
                    ? String(Number(fixture.data.y[i]) + Number(fixture.data.z[i]))
                    : String(fixture.data[n][i]),
              )
              .join(','),
          ]
        : [],
    );
    expect(copy).toHaveLength(3);
    writeFileSync(both, `${names.join(',')}\n${[...rows, ...copy].join('\n')}\n`);
    const { code, stdout, stderr } = await run([
      both,
      '--outcome',
      'y',
      '--treatment',
      'z',
      '--blocks',
      'b',
      '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { design: string; warnings: { code: string; message: string }[] };
    expect(json.design).toBe('Blocked (small blocks pooled)');
    expect(json.warnings.map((w) => w.code)).toEqual(['blocks-dropped-no-variation', 'small-blocks-pooled']);
    expect(json.warnings[0].message).toContain('"B3"');
    expect(json.warnings[1].message).toContain('"B4", "B5"');
  });
});

describe('several absorbed fixed effects (issue 10 item 14)', () => {
  const fixture = JSON.parse(
    readFileSync(new URL('../../fixtures/estimators/fixed-effects.json', import.meta.url), 'utf8'),
  ) as {
    data: Record<string, (number | string)[]>;
    cases: { name: string; expected: { terms: GoldenTerm[] } }[];
  };
  const dir = mkdtempSync(join(tmpdir(), 'pilot-estimate-fe-'));
  const path = join(dir, 'schools.csv');
  const names = Object.keys(fixture.data);
  const rows = fixture.data.y.map((_, i) => names.map((n) => String(fixture.data[n][i])).join(','));
  writeFileSync(path, `${names.join(',')}\n${rows.join('\n')}\n`);
  const base = [path, '--outcome', 'y', '--treatment', 'z', '--method', 'ols', '--covariates', 'x', '--json'];

  it.each([
    ['two-way-clustered-CR2', ['--fixed-effects', 'school,grade', '--clusters', 'hh']],
    ['two-way-HC1', ['--fixed-effects', 'school, grade', '--se-type', 'HC1']],
    ['three-way-HC2', ['--fixed-effects', 'school,grade,cohort']],
  ])('--fixed-effects gives estimatr 1.0.0 %s', async (name, extra) => {
    const { code, stdout, stderr } = await run([...base, ...extra]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { terms: GoldenTerm[] };
    const expected = fixture.cases.find((c) => c.name === name)!.expected.terms;
    expect(json.terms.map((t) => t.term).sort()).toEqual(expected.map((t) => t.term).sort());
    for (const e of expected) {
      const t = json.terms.find((x) => x.term === e.term)!;
      for (const key of ['estimate', 'std_error', 'df', 'p_value'] as const)
        expect(rel(t[key], e[key])).toBeLessThan(1e-8);
    }
  });
});

describe('refusals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-estimate-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('locates a number beyond double precision and a duplicated header name (issue 10 items 3, 9)', async () => {
    const big = file('big.csv', 'y,z,x\n1,1,2\n2,0,1e400\n3,1,4\n4,0,5\n');
    const out = await run([
      big,
      '--outcome',
      'y',
      '--treatment',
      'z',
      '--covariates',
      'x',
      '--method',
      'ols',
    ]);
    expect(out.code).toBe(65);
    expect(out.stderr).toContain(
      `${big}:3:x: covariate "1e400" is beyond double precision (overflows to Infinity)`,
    );
    expect(out.stderr).not.toMatch(/\n\s+at /);
    const dup = file('dup.csv', 'y,z,y\n1,1,5\n2,0,6\n');
    const again = await run([dup, '--outcome', 'y', '--treatment', 'z']);
    expect(again.code).toBe(65);
    expect(again.stderr).toContain(
      `${dup}:1:y: column "y" appears more than once in the header (fields 1 and 3)`,
    );
  });

  it('locates a non-numeric outcome by file, line and column', async () => {
    const path = file('bad.csv', 'y,z\n1,1\n2,0\nabc,1\n3,0\n');
    const { code, stderr } = await run([path, '--outcome', 'y', '--treatment', 'z']);
    expect(code).toBe(65);
    expect(stderr).toContain(`${path}:4:y: outcome "abc" is not a number`);
  });

  it('reads a file with a UTF-8 BOM as the same file without it, on the byte path and the general one', async () => {
    for (const [name, body] of [
      ['plain', 'y,z,b\n1.5,1,a\n2,0,a\n3.25,1,b\n4,0,b\n5,1,a\n'],
      ['quoted', 'y,z,b\n"1.5",1,a\n2,0,a\n3.25,1,b\n4,0,b\n5,1,a\n'],
    ]) {
      const args = ['--outcome', 'y', '--treatment', 'z', '--blocks', 'b'];
      const without = await run([file(`${name}.csv`, body), ...args]);
      const withBom = await run([file(`${name}-bom.csv`, `\ufeff${body}`), ...args]);
      expect(without.code).toBe(0);
      expect(withBom.code).toBe(0);
      expect(withBom.stdout.replace(`${name}-bom.csv`, `${name}.csv`)).toBe(without.stdout);
    }
  });

  it('refuses an empty file, a missing file and a missing column', async () => {
    const empty = await run([file('empty.csv', ''), '--outcome', 'y', '--treatment', 'z']);
    expect(empty.code).toBe(65);
    expect(empty.stderr).toMatch(/empty\.csv:1: the file is empty/);
    const missing = await run([join(dir, 'nope.csv'), '--outcome', 'y', '--treatment', 'z']);
    expect(missing.code).toBe(66);
    expect(missing.stderr).toMatch(/no such file/);
    const column = await run([file('cols.csv', 'y,t\n1,1\n'), '--outcome', 'y', '--treatment', 'z']);
    expect(column.stderr).toMatch(/:1:z: column "z" is not in the header \(y, t\)/);
  });

  it('validates options', async () => {
    const path = join(csvDir, 'mtcars.csv');
    const alpha = await run([path, '--outcome', 'mpg', '--treatment', 'am', '--alpha', '2']);
    expect(alpha.code).toBe(65);
    expect(alpha.stderr).toMatch(/--alpha: must be in \(0, 1\)/);
    const se = await run([
      path,
      '--outcome',
      'mpg',
      '--treatment',
      'am',
      '--method',
      'ols',
      '--se-type',
      'HC9',
    ]);
    expect(se.stderr).toMatch(/--se-type/);
    const seed = await run([path, '--outcome', 'mpg', '--treatment', 'am', '--ri', '100']);
    expect(seed.stderr).toMatch(/--ri needs --seed/);
    const dim = await run([
      path,
      '--outcome',
      'mpg',
      '--treatment',
      'am',
      '--method',
      'dim',
      '--covariates',
      'wt',
    ]);
    expect(dim.stderr).toMatch(/difference in means takes no covariates/);
    const iv = await run([path, '--outcome', 'mpg', '--treatment', 'am', '--method', 'iv']);
    expect(iv.stderr).toMatch(/needs --received/);
  });

  it("passes on the estimators' refusals: one cluster, no variation, collinear columns", async () => {
    const oneCluster = await run([
      file('one.csv', 'y,z,h\n1,1,a\n2,0,a\n3,1,a\n4,0,a\n'),
      '--outcome',
      'y',
      '--treatment',
      'z',
      '--method',
      'ols',
      '--clusters',
      'h',
    ]);
    expect(oneCluster.code).toBe(65);
    expect(oneCluster.stderr).toMatch(/cluster/i);
    const noVariation = await run([
      file('flat.csv', 'y,z\n1,1\n2,1\n3,1\n'),
      '--outcome',
      'y',
      '--treatment',
      'z',
    ]);
    expect(noVariation.code).toBe(65);
    expect(noVariation.stderr).toMatch(/treat/i);
    const collinear = await run([
      file('col.csv', 'y,z,x,w\n1,1,1,2\n2,0,2,4\n3,1,3,6\n5,0,4,8\n4,1,1,2\n'),
      '--outcome',
      'y',
      '--treatment',
      'z',
      '--covariates',
      'x,w',
      '--method',
      'ols',
    ]);
    expect(collinear.code).toBe(65);
    expect(collinear.stderr).toMatch(/collinear/i);
  });
});
