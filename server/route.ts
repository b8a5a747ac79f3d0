import type { z } from 'zod';
import type { Db } from '../db/connection.ts';
import type { Encoded } from '../access/content-cache.ts';
import type { Principal, Role } from '../access/token.ts';

/** A streamed upload, already on disk under a private temporary folder with its original name. */
export interface Upload {
  path: string;
  fileName: string;
  bytes: number;
}

/** A file answer (CSV or HTML download). */
export interface FileBody {
  fileName: string;
  contentType: string;
  body: string | Buffer;
  /** A strong ETag of immutable content (the client's If-None-Match then gets a 304). */
  etag?: string;
  /**
   * The body gzip-compressed (stored once with cached content) with its own strong ETag, sent to
   * clients that accept gzip.
   */
  gzip?: Encoded;
}

export interface HandlerContext<P, Q, B> {
  db: Db;
  principal: Principal;
  /** Who the audit trail names: `token:<id>:<role>`. */
  actor: string;
  params: P;
  query: Q;
  body: B;
  upload: Upload | null;
  now: Date;
}

/**
 * One operation of the API: its path, who may call it, its zod schemas (validation and the OpenAPI
 * document both come from them) and the one service call it makes. A route holds no logic of its own.
 */
export interface RouteDef<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  B extends z.ZodType = z.ZodType,
> {
  id: string;
  method: 'get' | 'post' | 'delete';
  /** Express syntax, relative to /api/v1: `/studies/:study`. */
  path: string;
  summary: string;
  /** Deny by default: only these roles may call it. */
  roles: readonly Role[];
  /** The path parameter naming a district: a partner may use only its own, others answer 404. */
  districtParam?: keyof z.infer<P> & string;
  params?: P;
  query?: Q;
  body?: B;
  /** A multipart upload with one file field `file` of at most maxBytes. */
  upload?: { maxBytes: number };
  status: 200 | 201;
  /** A JSON body, or a file of one of the listed media types. */
  response: { json: z.ZodType } | { file: string | readonly string[] };
  handler: (ctx: HandlerContext<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown>;
}

/** Keeps each route's schema types tied to its handler. */
export function route<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}
