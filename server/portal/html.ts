/** Escapes text for HTML element content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A complete page: one stylesheet, no scripts, a skip link, and one <main>. */
export function page(title: string, body: string, nav = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Pilot</title>
<link rel="stylesheet" href="/portal/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">Pilot</span>${nav}</header>
<main id="main">
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

export const STYLE = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --accent: #0b5394; --line: #c8c8c8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: #fff; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between;
  padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
a { color: var(--accent); }
a:focus, button:focus, input:focus { outline: 3px solid #f1c232; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type=password], input[type=text] { width: 100%; max-width: 32rem; padding: .6rem; font-size: 1rem;
  border: 1px solid var(--muted); border-radius: 4px; }
button { margin-top: .75rem; padding: .6rem 1.2rem; font-size: 1rem; color: #fff; background: var(--accent);
  border: 0; border-radius: 4px; cursor: pointer; }
.inline { display: inline; } .inline button { margin: 0; padding: .35rem .8rem; }
.error { color: #8b0000; font-weight: 600; }
.muted { color: var(--muted); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { word-break: break-all; }
ul.downloads li { margin: .4rem 0; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
.chart { overflow-x: auto; } figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: var(--muted); }
`;
