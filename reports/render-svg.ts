/**
 * vega-lite spec → inline SVG, in Node with vega's headless renderer: no network, no browser, no
 * canvas (text is measured by vega's built-in estimate, so the output is the same on every machine).
 * Element ids are renamed `<chart id>-<n>` in order of appearance: vega numbers clip paths with a
 * process-wide counter, which would make two renderings of the same spec differ and let two charts of
 * one page collide.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from './charts.ts';

export async function renderSvg(chart: ChartSpec): Promise<string> {
  const compiled = compile(chart.spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return stableIds(await view.toSVG(), chart.id);
  } finally {
    view.finalize();
  }
}

/** Renames every id="…" of the SVG to prefix-1, prefix-2, … and rewrites the references to it. */
export function stableIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g))
    if (!ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size + 1}`);
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (all, lead: string, id: string) =>
    ids.has(id) ? `${lead}${ids.get(id)}` : all,
  );
}
