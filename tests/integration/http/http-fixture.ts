import { pino } from 'pino';
import type { Express } from 'express';
import type { Db } from '../../../db/connection.ts';
import { createToken } from '../../../access/token.service.ts';
import { randomizeStudy } from '../../../assignment/assignment.service.ts';
import { createApp } from '../../../server/app.ts';
import { createTestStudy } from '../assignment/seed-study.ts';

/** Synthetic districts of the HTTP tests (no real student data). */
export const OWN = '3600001';
export const OTHER = '3600002';
export const MISSING = '3699999';
export const OTHER_NAME = 'District 1';

export interface Tokens {
  staff: string;
  analyst: string;
  partner: string;
  otherPartner: string;
  /** A staff token for tests to revoke. */
  spare: number;
}

/**
 * A randomized study `s1` with districts OWN and OTHER, an unrandomized `fresh` study with the same
 * districts, and a token of each role (the partner's district is OWN).
 */
export async function seedHttpFixture(db: Db): Promise<Tokens> {
  await createTestStudy(db.kysely, { slug: 's1', households: 8 });
  await randomizeStudy(db, { study: 's1', actor: 'test' });
  await createTestStudy(db.kysely, { slug: 'fresh', households: 4 });
  const now = new Date();
  const issue = async (role: string, district?: string) =>
    (await createToken(db, { role, district }, 'test', now)).token;
  const spare = await createToken(db, { role: 'staff', label: 'to revoke' }, 'test', now);
  return {
    staff: await issue('staff'),
    analyst: await issue('analyst'),
    partner: await issue('partner', OWN),
    otherPartner: await issue('partner', OTHER),
    spare: spare.stored.id,
  };
}

export function testApp(db: Db, extra: Partial<Parameters<typeof createApp>[0]> = {}): Express {
  return createApp({ db, logger: pino({ level: 'silent' }), ...extra });
}
