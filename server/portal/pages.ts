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

export function staffHome(p: Principal, csrf: string, sections: string[]): string {
  return page(
    'Study overview',
    sections.length ? sections.join('\n') : '<p>No studies yet.</p>',
    nav(p, csrf),
  );
}

export function notFoundPage(message: string): string {
  return page('Not found', `<p>${esc(message)}</p><p><a href="/portal">Back to the portal</a></p>`);
}
