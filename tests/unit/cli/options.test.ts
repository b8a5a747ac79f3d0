import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { AppError } from '../../../errors.ts';
import { flagOf, flagsInMessage, option, parseOptions, z } from '../../../cli/options.ts';

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseOptions', () => {
  const schema = z.object({
    study: option.slug,
    wave: option.positiveInteger.optional(),
    alpha: option.decimal.optional(),
    seType: z.enum(['HC2', 'CR2']).optional(),
    covariates: option.list,
    json: option.flag,
  });

  it('coerces the text commander gives into typed options', () => {
    expect(
      parseOptions(schema, { study: ' lift ', wave: '2', alpha: '0.05', covariates: 'x, y,,z', json: true }),
    ).toEqual({ study: 'lift', wave: 2, alpha: 0.05, covariates: ['x', 'y', 'z'], json: true });
    expect(parseOptions(schema, { study: 'lift' })).toEqual({ study: 'lift', covariates: [], json: false });
  });

  it('refuses every bad option at once, naming each by its flag', () => {
    const e = refusal(() => parseOptions(schema, { wave: '1.5', alpha: 'abc', seType: 'HC9' }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/^invalid options: /);
    expect(e.message).toContain('--study: is required');
    expect(e.message).toContain('--wave: must be a whole number of at least 1, not "1.5"');
    expect(e.message).toContain('--alpha: must be a number, not "abc"');
    expect(e.message).toContain('--se-type: ');
    expect(e.details).toMatchObject({
      fields: expect.arrayContaining([{ field: 'wave', message: expect.any(String) }]),
    });
  });

  it('refuses numbers that are not exactly whole numbers in range', () => {
    const n = z.object({ n: option.wholeNumber(0, 99) });
    for (const bad of ['', ' ', '-1', '1e3', '0x10', '100', '2.0'])
      expect(refusal(() => parseOptions(n, { n: bad })).message).toMatch(
        /--n: must be a whole number from 0 to 99/,
      );
    expect(parseOptions(n, { n: ' 42 ' })).toEqual({ n: 42 });
  });

  it('renders backticked fields of a refinement as flags', () => {
    const s = z
      .object({ ri: option.positiveInteger.optional(), seed: option.text.optional() })
      .refine((o) => o.ri === undefined || o.seed !== undefined, {
        message: '`ri` needs `seed`',
        path: ['seed'],
      });
    expect(refusal(() => parseOptions(s, { ri: '10' })).message).toBe(
      'invalid options: --seed: --ri needs --seed',
    );
  });
});

describe('flagsInMessage', () => {
  it("shows a service's backticked field names as the running command's flags, and leaves others", () => {
    const root = new Command('pilot').option('--study <slug>');
    const sub = root.command('create').option('--block-by <vars>').option('--arms <arms>');
    expect(flagsInMessage('`arms`: they sum to 1.2; `block_by` unknown; `other` stays', sub)).toBe(
      '--arms: they sum to 1.2; --block-by unknown; `other` stays',
    );
    expect(flagsInMessage('`study` is closed', sub)).toBe('--study is closed');
    expect(flagsInMessage('`arms`', undefined)).toBe('`arms`');
  });

  it('turns attribute names back into flags', () => {
    expect(flagOf('seType')).toBe('--se-type');
    expect(flagOf('allowNonrural')).toBe('--allow-nonrural');
    expect(flagOf('block_by')).toBe('--block-by');
  });
});
