/**
 * Browser check: report.html renders with its charts in headless Chromium (no network), and a
 * screenshot is kept as a test artifact (tests/e2e/artifacts/report.png, not committed).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config.ts';
import { testDialect } from '../helpers/database.ts';
import { cliConfig, runPilot } from '../helpers/cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

describe(`report.html in headless Chromium (${testDialect})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-e2e-'));
  let config: Config;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ config, drop } = await cliConfig(join(dir, 'data')));
    const demo = await runPilot(
      config,
      'demo',
      '--districts',
      '2',
      '--students',
      '200',
      '--oneroster',
      '0',
      '--seed',
      'e2e',
      '--json',
    );
    expect(demo.code).toBe(0);
    writeFileSync(
      join(dir, 'plan.json'),
      JSON.stringify({ window: { start: '2025-10-01', end: '2026-04-30' } }),
    );
    expect((await runPilot(config, 'analyze', '--study', 'demo', '--out', join(dir, 'out'))).code).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders headings, tables and every chart as a drawn SVG', async () => {
    if (!existsSync(CHROMIUM)) {
      console.warn(
        `skipped: no Chromium at ${CHROMIUM} (install the chromium package to run the browser check)`,
      );
      return;
    }
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking'],
      headless: true,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(`file://${join(dir, 'out', 'report.html')}`);
      expect(await page.locator('h1').count()).toBe(1);
      expect(await page.locator('table caption').count()).toBeGreaterThan(3);
      const charts = page.locator('figure svg[role="img"]');
      const n = await charts.count();
      expect(n).toBeGreaterThanOrEqual(3);
      for (let k = 0; k < n; k++) {
        const box = await charts.nth(k).boundingBox();
        expect(box!.width).toBeGreaterThan(100);
        expect(box!.width).toBeLessThanOrEqual(390); // fits a phone
        expect(await charts.nth(k).locator('path, line, circle, rect').count()).toBeGreaterThan(5);
        const labelled = await charts.nth(k).getAttribute('aria-labelledby');
        for (const id of labelled!.split(' '))
          expect(await page.locator(`#${id}`).textContent()).not.toBe('');
      }
      expect(requests).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
      expect(existsSync(join(ARTIFACTS, 'report.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
