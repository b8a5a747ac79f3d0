/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) readable by a
 * district superintendent: the headline in plain words first, then tables (with captions) and charts
 * (each an inline SVG with a text alternative); printable and readable on a phone. Pure.
 */
import { OUTCOME_LABELS } from '../analysis/outcome-definitions.ts';
import type { OutcomeName } from '../analysis/analysis-plan.ts';

export const esc = (s: unknown): string =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A number for people: fixed decimals, a real minus sign; empty for null. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const s = (Math.round(x * 10 ** digits) / 10 ** digits).toFixed(digits);
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return p < 0.001 ? '< 0.001' : fmt(p, 3);
}

export const outcomeLabel = (o: string) => OUTCOME_LABELS[o as OutcomeName] ?? o.replace(/_/g, ' ');

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  numeric?: boolean;
}

/** An accessible table: caption, column headers with scope, numbers right-aligned. */
export function table<T>(caption: string, columns: Column<T>[], rows: readonly T[]): string {
  const head = columns
    .map((c) => `<th scope="col"${c.numeric ? ' class="n"' : ''}>${esc(c.header)}</th>`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${columns.map((c, k) => (k === 0 ? `<th scope="row">${esc(c.value(r))}</th>` : `<td${c.numeric ? ' class="n"' : ''}>${esc(c.value(r))}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<div class="scroll"><table>\n<caption>${esc(caption)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

/** A chart: the SVG marked as an image labelled by its title, described by its text alternative. */
export function figure(id: string, title: string, description: string, svg: string): string {
  const labelled = svg.replace(
    /^<svg /,
    `<svg role="img" aria-labelledby="${id}-title ${id}-desc" preserveAspectRatio="xMinYMin meet" `,
  );
  return `<figure id="${esc(id)}">\n<h3 id="${esc(id)}-title">${esc(title)}</h3>\n${labelled}\n<figcaption id="${esc(id)}-desc">${esc(description)}</figcaption>\n</figure>`;
}

const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 60rem; padding: 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; } h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #ccc; } h3 { font-size: 1.05rem; }
.headline { font-size: 1.2rem; background: #eef6ee; border-left: .4rem solid #1b5e20; padding: .75rem 1rem; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; } th, td { border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; } thead th { border-bottom: 2px solid #555; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; } figcaption { font-size: .85rem; color: #333; }
.note { font-size: .85rem; color: #444; } code { font-size: .8rem; word-break: break-all; }
@media print { body { max-width: none; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } .scroll { overflow: visible; } }
`;

/** The page: title, headline, then the sections in order. */
export function page(
  title: string,
  headline: string,
  sections: { id: string; heading: string; html: string }[],
): string {
  const nav = sections.map((s) => `<li><a href="#${esc(s.id)}">${esc(s.heading)}</a></li>`).join('');
  const body = sections
    .map(
      (s) =>
        `<section id="${esc(s.id)}" aria-labelledby="${esc(s.id)}-h">\n<h2 id="${esc(s.id)}-h">${esc(s.heading)}</h2>\n${s.html}\n</section>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="headline">${esc(headline)}</p>
<nav aria-label="Contents"><ul>${nav}</ul></nav>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}
