import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { RouteDef } from './route.ts';
import { ErrorBody } from './schemas.ts';
import { z } from './zod.ts';

/** Express `/studies/:study` → OpenAPI `/studies/{study}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

const ERRORS: Record<number, string> = {
  400: 'Invalid input (fields named in details.issues)',
  401: 'No valid token or session',
  403: 'The role may not do this',
  404: 'Not found (another district answers exactly like a missing one)',
  409: 'Conflict with the current state',
  413: 'Body or upload too large',
  422: 'Verification failed',
  429: 'Too many failed sign-ins',
  500: 'Internal error (details.request_id)',
};

/** The OpenAPI 3.1 document of /api/v1, generated from the route table's zod schemas. */
export function openApiDocument(routes: readonly RouteDef[], version: string): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: '`pilot token create` prints a token once',
  });
  registry.register('Error', ErrorBody);
  for (const r of routes) {
    const errorResponses = Object.fromEntries(
      Object.entries(ERRORS).map(([status, description]) => [
        status,
        { description, content: { 'application/json': { schema: ErrorBody } } },
      ]),
    );
    const success =
      'json' in r.response
        ? { description: 'OK', content: { 'application/json': { schema: r.response.json } } }
        : {
            description: 'A file',
            content: Object.fromEntries(
              [r.response.file].flat().map((media) => [
                media,
                // A JSON file (report.json) is a JSON document, a text/* file text, any other bytes.
                {
                  schema:
                    media === 'application/json'
                      ? z.record(z.string(), z.unknown())
                      : media.startsWith('text/')
                        ? z.string()
                        : z.string().openapi({ format: 'binary' }),
                },
              ]),
            ),
          };
    const body = r.upload
      ? {
          content: {
            'multipart/form-data': {
              schema: (r.body as z.ZodObject).extend({ file: z.string().openapi({ format: 'binary' }) }),
            },
          },
        }
      : r.body
        ? { content: { 'application/json': { schema: r.body } } }
        : undefined;
    registry.registerPath({
      method: r.method,
      path: `/api/v1${openApiPath(r.path)}`,
      operationId: r.id,
      summary: r.summary,
      description: `Roles: ${r.roles.join(', ')}${r.districtParam ? ' (a partner: its own district only)' : ''}.`,
      security: [{ bearer: [] }],
      request: { params: r.params, query: r.query, body },
      responses: { [r.status]: success, ...errorResponses },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Pilot study coordinator API',
      version,
      description:
        'Every operation of the `pilot` command over HTTP. Errors are {error: {code, message, details}}.',
    },
    servers: [{ url: '/' }],
  });
}
