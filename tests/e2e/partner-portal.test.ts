import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import type { Db } from '../../db/connection.ts';
import { startServer, type RunningServer } from '../../server/serve.ts';
import { openTestDatabase, testDialect } from '../helpers/database.ts';
import { OTHER, OTHER_NAME, OWN, seedHttpFixture, type Tokens } from '../integration/http/http-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots are kept as test artifacts (gitignored). */
const ARTIFACTS = join(process.cwd(), 'tests', 'artifacts', 'e2e', testDialect);
const available = existsSync(CHROMIUM);
if (!available)
  console.warn(`browser tests skipped: ${CHROMIUM} not found (apt-get install -y chromium; CI installs it)`);
const describeBrowser = available ? describe : describe.skip;

let db: Db;
let tokens: Tokens;
let server: RunningServer;
let browser: Browser;
let base = '';

describeBrowser(`partner portal in headless Chromium (${testDialect})`, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await openTestDatabase();
    tokens = await seedHttpFixture(db);
    server = await startServer(db, { port: 0, logger: pino({ level: 'silent' }) });
    base = `http://127.0.0.1:${server.port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.close();
  });

  it('a partner signs in, sees only its district and downloads its assignment list', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${base}/portal`);
    expect(page.url()).toBe(`${base}/portal/login`);
    await page.screenshot({ path: join(ARTIFACTS, '1-sign-in.png'), fullPage: true });
    await page.getByLabel('Access token').fill(tokens.partner);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/portal`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(`District ${OWN}`);
    const text = await page.content();
    expect(text).not.toContain(OTHER);
    expect(text).not.toContain(OTHER_NAME);
    await page.screenshot({ path: join(ARTIFACTS, '2-partner-home.png'), fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByRole('link', { name: /Assignment list/ })
        .first()
        .click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`-${OWN}-assignments\\.csv$`));
    const saved = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(saved);
    const lines = readFileSync(saved, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('unit_key,student_id,district_leaid,block_key,arm,wave');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => l.split(',')[2] === OWN)).toBe(true);
    await context.close();
  }, 60_000);

  it('works by keyboard and on a phone-sized screen; another district is not found', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${base}/portal/login`);
    await page.keyboard.press('Tab'); // the skip link comes first
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('token');
    await page.keyboard.type(tokens.partner);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/portal`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, '3-partner-phone.png'), fullPage: true });
    const other = await page.goto(`${base}/portal/studies/s1/districts/${OTHER}/downloads/assignments.csv`);
    expect(other?.status()).toBe(404);
    await context.close();
  }, 60_000);

  it('staff see the study overview', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/portal/login`);
    await page.getByLabel('Access token').fill(tokens.staff);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/portal`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Study overview');
    // The charts are images named by their titles; the page fits a phone without sideways scrolling.
    await expect(page.getByRole('img', { name: /Students by district and arm/ }).count()).resolves.toBe(1);
    await expect(
      page.getByRole('img', { name: /Messages and deliveries by month and arm/ }).count(),
    ).resolves.toBe(1);
    await expect(page.getByRole('alert').first().textContent()).resolves.toMatch(/Contamination alarm/);
    await page.screenshot({ path: join(ARTIFACTS, '4-staff-overview.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, '5-staff-overview-phone.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
