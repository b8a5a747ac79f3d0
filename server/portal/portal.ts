import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies, serialize } from 'cookie';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { ThrottleLimits } from '../../access/auth-throttle.service.ts';
import { studyOverviews } from '../../access/overview.service.ts';
import { studiesOfDistrict } from '../../access/partner.service.ts';
import { resumeSession, signIn, signOut, type LiveSession } from '../../access/session.service.ts';
import type { Db } from '../../db/connection.ts';
import { AppError } from '../../errors.ts';
import { actorOf } from '../authenticate.ts';
import { fetchArtifact, listArtifacts } from '../partner-downloads.ts';
import { sendFile } from '../send-file.ts';
import { studySection } from './dashboard.ts';
import { PostgresRateLimitStore } from '../../access/rate-limit.service.ts';
import { ArtifactParams } from '../schemas.ts';
import { STYLE } from './html.ts';
import { loginPage, notFoundPage, partnerHome, staffHome } from './pages.ts';

export const SESSION_COOKIE = 'pilot_session';
const LOGIN_CSRF_COOKIE = 'pilot_login_csrf';

function sameToken(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length || a.length === 0) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function cookieOptions(req: Request, maxAgeSeconds?: number) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: req.secure,
    path: '/portal',
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

function cookies(req: Request): Record<string, string | undefined> {
  return parseCookies(req.get('cookie') ?? '');
}

interface PortalOptions {
  db: Db;
  now: () => Date;
  throttle: ThrottleLimits;
}

/**
 * The partner portal and the staff overview: server-rendered HTML, a session cookie (HttpOnly,
 * SameSite=Strict, Secure over TLS) kept in PostgreSQL, and a CSRF token in every form.
 */
export function portalRouter({ db, now, throttle }: PortalOptions): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get('/style.css', (_req, res) => void res.type('text/css').send(STYLE));

  router.get('/login', (req, res) => {
    const csrf = randomBytes(24).toString('base64url');
    res.setHeader('Set-Cookie', serialize(LOGIN_CSRF_COOKIE, csrf, cookieOptions(req, 3600)));
    res.type('html').send(loginPage(csrf, null));
  });

  router.post(
    '/login',
    rateLimit({
      windowMs: throttle.windowMs,
      limit: throttle.failures,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      store: new PostgresRateLimitStore(db, now, 'login:'),
      handler: (_req, res) =>
        void res
          .status(429)
          .type('html')
          .send(loginPage('', 'Too many sign-in attempts. Wait a minute and try again.')),
    }),
    form,
    async (req, res) => {
      const given = (req.body ?? {}) as Record<string, unknown>;
      if (!sameToken(given.csrf, cookies(req)[LOGIN_CSRF_COOKIE])) {
        res
          .status(403)
          .type('html')
          .send(loginPage('', 'The form expired. Reload the page and sign in again.'));
        return;
      }
      const token = typeof given.token === 'string' ? given.token.trim() : '';
      const session = token ? await signIn(db, token, now()) : null;
      if (!session) {
        const csrf = randomBytes(24).toString('base64url');
        res.setHeader('Set-Cookie', serialize(LOGIN_CSRF_COOKIE, csrf, cookieOptions(req, 3600)));
        res
          .status(401)
          .type('html')
          .send(loginPage(csrf, 'That token is not valid (unknown, revoked or expired).'));
        return;
      }
      const seconds = Math.floor((session.expiresAt.getTime() - now().getTime()) / 1000);
      res.setHeader('Set-Cookie', [
        serialize(SESSION_COOKIE, session.sessionId, cookieOptions(req, seconds)),
        serialize(LOGIN_CSRF_COOKIE, '', cookieOptions(req, 0)),
      ]);
      res.redirect(303, '/portal');
    },
  );

  // Everything below needs a session.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const id = cookies(req)[SESSION_COOKIE];
    const session = id ? await resumeSession(db, id, now()) : null;
    if (!session) return res.redirect(303, '/portal/login');
    res.locals.session = session;
    next();
  });

  router.post('/logout', form, async (req, res) => {
    const session = res.locals.session as LiveSession;
    if (!sameToken((req.body ?? {}).csrf, session.csrfToken)) {
      res.status(403).type('html').send(notFoundPage('The form expired. Reload the page and try again.'));
      return;
    }
    await signOut(db, cookies(req)[SESSION_COOKIE] ?? '');
    res.setHeader('Set-Cookie', serialize(SESSION_COOKIE, '', cookieOptions(req, 0)));
    res.redirect(303, '/portal/login');
  });

  router.get('/', async (_req, res) => {
    const { principal, csrfToken } = res.locals.session as LiveSession;
    res.setHeader('Cache-Control', 'no-store');
    if (principal.role === 'partner') {
      const leaid = principal.districtLeaid as string;
      const studies = await studiesOfDistrict(db, leaid);
      const withArtifacts = [];
      for (const study of studies)
        withArtifacts.push({ study, artifacts: await listArtifacts(db, study.slug, leaid) });
      res.type('html').send(partnerHome(principal, csrfToken, withArtifacts));
    } else {
      const sections = await Promise.all((await studyOverviews(db)).map(studySection));
      res.type('html').send(staffHome(principal, csrfToken, sections));
    }
  });

  router.get('/studies/:study/districts/:leaid/downloads/:name', async (req, res) => {
    const { principal } = res.locals.session as LiveSession;
    const params = ArtifactParams.safeParse(req.params);
    const leaid = String(req.params.leaid);
    if (!params.success || (principal.role === 'partner' && leaid !== principal.districtLeaid)) {
      res
        .status(404)
        .type('html')
        .send(notFoundPage(`No district ${leaid} in study ${req.params.study}.`));
      return;
    }
    try {
      const p = params.data;
      const file = await fetchArtifact(db, p.study, p.leaid, p.name, actorOf(principal));
      sendFile(req, res, file);
    } catch (e) {
      if (e instanceof AppError && e.code === 'NOT_FOUND')
        res.status(404).type('html').send(notFoundPage(e.message));
      else throw e;
    }
  });
  return router;
}
