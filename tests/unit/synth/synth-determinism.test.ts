import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { writeSyntheticStudy } from '../../../synth/synth.service.ts';
import type { SynthParams } from '../../../synth/types.ts';
import { readCsv, readTree } from './synth-output.ts';

const root = mkdtempSync(join(tmpdir(), 'pilot-synth-det-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base: SynthParams = {
  districts: 3,
  students: 900,
  seed: 'determinism',
  year: 2025,
  oneroster: 1,
  exceptions: false,
};

describe('pilot synth determinism', () => {
  it('writes byte-identical files for the same seed and options', async () => {
    await writeSyntheticStudy(join(root, 'a'), base);
    await writeSyntheticStudy(join(root, 'b'), base);
    const a = readTree(join(root, 'a'));
    const b = readTree(join(root, 'b'));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a.size).toBeGreaterThanOrEqual(2 + 3 * 4);
    for (const [name, bytes] of a)
      expect({ name, same: bytes.equals(b.get(name) as Buffer) }).toEqual({ name, same: true });
  });

  it('writes different data for a different seed', async () => {
    await writeSyntheticStudy(join(root, 'c'), { ...base, seed: 'determinism-2' });
    const a = readTree(join(root, 'a'));
    const c = readTree(join(root, 'c'));
    expect(a.get('districts.csv')?.equals(c.get('districts.csv') as Buffer)).toBe(false);
    const leaidsA = readCsv(join(root, 'a', 'districts.csv')).map((r) => r.nces_leaid);
    const leaidsC = readCsv(join(root, 'c', 'districts.csv')).map((r) => r.nces_leaid);
    expect(leaidsA).not.toEqual(leaidsC);
  });

  it('regenerates into its own earlier output, leaving no stale district folder', async () => {
    const dir = join(root, 'c');
    await writeSyntheticStudy(dir, base);
    expect([...readTree(dir).keys()].sort()).toEqual([...readTree(join(root, 'a')).keys()].sort());
  });

  it('refuses a non-empty folder that is not a synth output', async () => {
    await expect(
      writeSyntheticStudy(join(root, 'a', readCsv(join(root, 'a', 'districts.csv'))[0].nces_leaid), base),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('exception-based attendance is exactly the non-present rows of the full feed', async () => {
    await writeSyntheticStudy(join(root, 'x'), { ...base, exceptions: true });
    const leaid = readCsv(join(root, 'a', 'districts.csv'))[1].nces_leaid;
    const full = readCsv(join(root, 'a', leaid, 'attendance_daily.csv'));
    const exceptions = readCsv(join(root, 'x', leaid, 'attendance_daily.csv'));
    expect(exceptions.length).toBeGreaterThan(0);
    expect(exceptions.every((r) => r.category !== 'present')).toBe(true);
    expect(exceptions).toEqual(full.filter((r) => r.category !== 'present'));
    // Everything except the attendance file is unchanged by --exceptions.
    const a = readTree(join(root, 'a'));
    for (const [name, bytes] of readTree(join(root, 'x'))) {
      if (!name.endsWith('attendance_daily.csv') && name !== 'manifest.json')
        expect(bytes.equals(a.get(name) as Buffer)).toBe(true);
    }
  });
});
