import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { DEFAULT_THROTTLE, type ThrottleLimits } from '../access/auth-throttle.service.ts';
import type { Principal } from '../access/token.ts';
import type { Db } from '../db/connection.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { AppError } from '../errors.ts';
import { zodProblem } from '../access/validation.ts';
import { actorOf, bearerAuth } from './authenticate.ts';
import { errorBody, errorHandler, requestId } from './http-errors.ts';
import { openApiDocument } from './openapi.ts';
import { portalRouter } from './portal/portal.ts';
import type { FileBody, RouteDef } from './route.ts';
import { sendFile } from './send-file.ts';
import { ROUTES } from './routes.ts';
import { receiveUpload } from './uploads.ts';
import { z } from './zod.ts';

export const API_VERSION = '1.0.0';

export interface AppOptions {
  db: Db;
  logger?: Logger;
  /** The clock (tests pass a fixed one). */
  now?: () => Date;
  throttle?: ThrottleLimits;
  /** Largest JSON body accepted. */
  jsonLimit?: string;
  /** Proxy hops in front of the server (X-Forwarded-For is trusted that far); 0 = none. */
  trustProxy?: number;
  routes?: readonly RouteDef[];
  /** Overrides every route's upload limit (tests, small deployments). */
  maxUploadBytes?: number;
}

/** The coordinator service: /healthz, /readyz, /api/v1 (from the route table) and the portal. */
export function createApp(o: AppOptions): express.Express {
  const logger = o.logger ?? pino({ level: 'silent' });
  const now = o.now ?? (() => new Date());
  const throttle = o.throttle ?? DEFAULT_THROTTLE;
  const routes = o.routes ?? ROUTES;
  const openapi = openApiDocument(routes, API_VERSION);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', o.trustProxy ?? 0);
  app.use(requestId);
  app.use(
    pinoHttp({
      logger,
      genReqId: (_req, res) => (res as Response).locals.requestId,
      // Method, path and status only: no headers (tokens, cookies), no query strings or bodies.
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  // Plain HTTP behind a TLS proxy or on a laptop: no upgrade-insecure-requests (it would break the
  // portal's form posts over http://127.0.0.1); HSTS still goes out and applies once served over TLS.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    try {
      const pending = await pendingMigrations(o.db);
      if (pending.length) res.status(503).json({ status: 'migrations pending', pending: pending.length });
      else res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
  });
  app.get('/api/v1/openapi.json', (_req, res) => void res.json(openapi));

  const api = express.Router();
  api.use(bearerAuth(o.db, now, throttle));
  const json = express.json({ limit: o.jsonLimit ?? '100kb', type: () => true, strict: true });
  for (const r of routes) {
    const handlers = [authorize(r), ...(r.upload ? [] : [json]), handle(o.db, r, now, o.maxUploadBytes)];
    api[r.method](r.path, ...handlers);
  }
  api.use(() => {
    throw new AppError('NOT_FOUND', 'no such endpoint (see /api/v1/openapi.json)');
  });
  app.use('/api/v1', api);
  app.use('/portal', portalRouter({ db: o.db, now, throttle }));
  app.get('/', (_req, res) => res.redirect('/portal'));
  app.use((_req: Request, res: Response) => void res.status(404).json(errorBody('NOT_FOUND', 'not found')));
  app.use(errorHandler(logger));
  return app;
}

/**
 * Deny by default: the route's roles, then a partner's district. A partner naming another district
 * gets exactly the 404 a missing district gets, before any query runs.
 */
function authorize(r: RouteDef) {
  return (req: Request, res: Response, next: NextFunction) => {
    const p = res.locals.principal as Principal;
    if (!r.roles.includes(p.role))
      throw new AppError('FORBIDDEN', `a ${p.role} token may not call ${r.method.toUpperCase()} ${r.path}`);
    if (p.role === 'partner' && r.districtParam) {
      const leaid = req.params[r.districtParam];
      if (leaid !== p.districtLeaid) {
        const study = req.params.study;
        throw new AppError(
          'NOT_FOUND',
          study ? `no district ${leaid} in study ${study}` : `no district ${leaid}`,
        );
      }
    }
    next();
  };
}

/** What a route without params, query or body schema takes: nothing (made once, not per request). */
const NOTHING = z.strictObject({});

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, what: string): T {
  const result = (schema ?? NOTHING).safeParse(value ?? {});
  if (!result.success) throw zodProblem(what, result.error);
  return result.data as T;
}

function handle(db: Db, r: RouteDef, now: () => Date, maxUploadBytes?: number) {
  return async (req: Request, res: Response) => {
    const principal = res.locals.principal as Principal;
    const params = parse(r.params, req.params, 'path');
    const query = parse(r.query, { ...req.query }, 'query');
    let body: unknown = r.method === 'get' || r.method === 'delete' ? undefined : req.body;
    let cleanup = async () => {};
    let upload = null;
    if (r.upload) {
      const received = await receiveUpload(req, maxUploadBytes ?? r.upload.maxBytes);
      cleanup = received.cleanup;
      upload = received.upload;
      body = received.fields;
    }
    try {
      const parsedBody = parse(r.body, body, 'body');
      const result = await r.handler({
        db,
        principal,
        actor: actorOf(principal),
        params,
        query,
        body: parsedBody,
        upload,
        now: now(),
      });
      if ('file' in r.response) {
        sendFile(req, res, result as FileBody, r.status);
      } else {
        res.status(r.status).setHeader('Cache-Control', 'no-store').json(result);
      }
    } finally {
      await cleanup();
    }
  };
}
