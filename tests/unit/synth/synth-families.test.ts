import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { normalizePhone } from '../../../cohorts/imports/normalize/phone.ts';
import { writeSyntheticStudy } from '../../../synth/synth.service.ts';
import { readCsv, readPlainDistrict, type DistrictFiles } from './synth-output.ts';

/**
 * Synthetic families that can be messaged (issue 11 item 9): each household its own number (under
 * 2 % of households share one), about 85 % SMS consent, about 3 % opt-outs, about 1 % invalid numbers,
 * and every number still in the fictional 555-01xx block.
 */
const root = mkdtempSync(join(tmpdir(), 'pilot-synth-families-'));
let files: DistrictFiles[];

beforeAll(async () => {
  await writeSyntheticStudy(root, {
    districts: 4,
    students: 6000,
    seed: 'families',
    year: 2025,
    oneroster: 0,
    exceptions: false,
  });
  files = readCsv(join(root, 'districts.csv')).map((d) => readPlainDistrict(root, d.nces_leaid));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('synthetic families', () => {
  it('gives each household its own number; under 2 % of households share one with another', () => {
    let households = 0;
    let sharing = 0;
    let distinct = 0;
    for (const f of files) {
      const byNumber = new Map<string, Set<string>>();
      for (const c of f.contacts) {
        const p = normalizePhone(c.phone);
        if (!p.ok) continue;
        const set = byNumber.get(p.value) ?? new Set<string>();
        set.add(c.household_id);
        byNumber.set(p.value, set);
      }
      const hh = new Set(f.contacts.map((c) => c.household_id));
      households += hh.size;
      distinct += byNumber.size;
      const shared = new Set<string>();
      for (const set of byNumber.values()) if (set.size > 1) for (const h of set) shared.add(h);
      sharing += shared.size;
    }
    expect(households).toBeGreaterThan(3000);
    expect(sharing / households).toBeLessThan(0.02);
    expect(sharing).toBeGreaterThan(0);
    expect(distinct).toBeGreaterThan(households);
  });

  it('about 85 % SMS consent, 3 % opt-outs and 1 % invalid numbers among contacts', () => {
    const contacts = files.flatMap((f) => f.contacts);
    const withPhone = contacts.filter((c) => c.phone !== '');
    const consent = withPhone.filter((c) => c.sms_consent === 'true').length / withPhone.length;
    const optOut = contacts.filter((c) => c.opt_out_at !== '').length / contacts.length;
    const invalid = withPhone.filter((c) => !normalizePhone(c.phone).ok).length / withPhone.length;
    expect(consent).toBeGreaterThan(0.83);
    expect(consent).toBeLessThan(0.87);
    expect(optOut).toBeGreaterThan(0.02);
    expect(optOut).toBeLessThan(0.04);
    expect(invalid).toBeGreaterThan(0.005);
    expect(invalid).toBeLessThan(0.015);
    for (const c of withPhone)
      expect(c.phone === '000-000-0000' || /55501\d\d$/.test(c.phone.replace(/\D/g, ''))).toBe(true);
  });
});
