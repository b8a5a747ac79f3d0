import type { StudyOverview } from '../../access/overview.service.ts';
import type { PartnerStudy } from '../../access/partner.store.ts';
import type { Principal } from '../../access/token.ts';
import type { ArtifactInfo } from '../partner-downloads.ts';
import { esc, page } from './html.ts';

/** The portal's pages, pure functions of what the services returned. */

export function loginPage(csrf: string, error: string | null): string {
  return page(
    'Sign in',
    `<p>Sign in with the access token your research team gave you.</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/portal/login">
  <input type="hidden" name="csrf" value="${esc(csrf)}">
  <label for="token">Access token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`,
  );
}

function nav(p: Principal, csrf: string): string {
  const who = p.role === 'partner' ? `district ${esc(p.districtLeaid)}` : esc(p.role);
  return `<nav aria-label="account"><span class="muted">Signed in: ${who}</span>
<form class="inline" method="post" action="/portal/logout"><input type="hidden" name="csrf" value="${esc(csrf)}">
<button type="submit">Sign out</button></form></nav>`;
}

export interface PartnerStudyDownloads {
  study: PartnerStudy;
  artifacts: ArtifactInfo[];
}

export function partnerHome(p: Principal, csrf: string, studies: PartnerStudyDownloads[]): string {
  const sections = studies.map(({ study: s, artifacts }) => {
    const items = artifacts.length
      ? `<ul class="downloads">${artifacts
          .map(
            (a) =>
              `<li><a href="/portal/studies/${esc(s.slug)}/districts/${esc(p.districtLeaid)}/downloads/${esc(a.name)}" download>${esc(a.title)}</a> <span class="muted">(${esc(a.name)})</span></li>`,
          )
          .join('')}</ul>`
      : '<p class="muted">Nothing to download yet: files appear here once the study is randomized and reports are run.</p>';
    return `<section aria-labelledby="s-${esc(s.slug)}"><h2 id="s-${esc(s.slug)}">${esc(s.name)}</h2>
<p>${esc(s.districtName)} · study status: ${esc(s.status)}</p>${items}</section>`;
  });
  return page(
    `District ${p.districtLeaid ?? ''}`,
    sections.length ? sections.join('\n') : '<p>Your district is not enrolled in any study yet.</p>',
    nav(p, csrf),
  );
}

function studySection(o: StudyOverview): string {
  const rows = o.districts
    .map(
      (d) =>
        `<tr><td>${esc(d.leaid)}</td><td>${esc(d.name)} (${esc(d.state)})</td><td class="num">${d.students}</td><td class="num">${d.households}</td><td class="num">${d.imports}</td><td>${d.lastImportAt ? esc(d.lastImportAt.toISOString().slice(0, 10)) : '—'}</td></tr>`,
    )
    .join('');
  const waves = o.randomization.randomizations
    .map(
      (w) =>
        `<tr><td class="num">${w.wave}</td><td>${esc(new Date(w.lockedAt).toISOString().slice(0, 16).replace('T', ' '))}</td><td class="num">${w.units}</td><td class="num">${w.students}</td><td><code>${esc(w.assignmentSha256.slice(0, 16))}…</code></td></tr>`,
    )
    .join('');
  const s = o.study;
  return `<section aria-labelledby="st-${esc(s.slug)}"><h2 id="st-${esc(s.slug)}">${esc(s.name)} <span class="muted">(${esc(s.slug)}, ${esc(s.status)})</span></h2>
<p>Unit: ${esc(s.unit)} · arms: ${esc(s.arms.map((a) => `${a.name} ${a.probability}`).join(', '))} · seed commitment <code>${esc(s.seedCommitment.slice(0, 16))}…</code></p>
<h3>Enrollment and imports by district</h3>
<div class="table-wrap"><table><caption class="muted">Districts of ${esc(s.slug)}</caption>
<thead><tr><th scope="col">LEAID</th><th scope="col">District</th><th scope="col" class="num">Students</th><th scope="col" class="num">Households</th><th scope="col" class="num">Imports</th><th scope="col">Last import</th></tr></thead>
<tbody>${rows || '<tr><td colspan="6">No districts enrolled yet.</td></tr>'}</tbody></table></div>
<h3>Randomization record</h3>
${
  waves
    ? `<div class="table-wrap"><table><thead><tr><th scope="col" class="num">Wave</th><th scope="col">Locked (UTC)</th><th scope="col" class="num">Units</th><th scope="col" class="num">Students</th><th scope="col">Assignment SHA-256</th></tr></thead><tbody>${waves}</tbody></table></div>`
    : '<p class="muted">Not randomized yet.</p>'
}</section>`;
}

export function staffHome(p: Principal, csrf: string, overviews: StudyOverview[]): string {
  return page(
    'Study overview',
    overviews.length ? overviews.map(studySection).join('\n') : '<p>No studies yet.</p>',
    nav(p, csrf),
  );
}

export function notFoundPage(message: string): string {
  return page('Not found', `<p>${esc(message)}</p><p><a href="/portal">Back to the portal</a></p>`);
}
