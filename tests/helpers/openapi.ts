import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiPath } from '../../server/openapi.ts';

/**
 * Validates response bodies against the served OpenAPI 3.1 document (JSON Schema 2020-12): the
 * schema of the operation's response for the status, looked up by path template and method.
 */
export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  constructor(private readonly doc: Record<string, unknown>) {
    (addFormats as unknown as (a: Ajv2020) => void)(this.ajv);
    this.ajv.addSchema(doc, 'openapi.json');
  }

  /** Problems with a response (empty when it matches the document). */
  check(method: string, expressPath: string, status: number, contentType: string, body: unknown): string[] {
    const path = `/api/v1${openApiPath(expressPath)}`;
    const paths = this.doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const op = paths[path]?.[method];
    if (!op) return [`no operation ${method.toUpperCase()} ${path} in the document`];
    const response = op.responses[String(status)] as { content?: Record<string, unknown> } | undefined;
    if (!response) return [`status ${status} is not documented for ${method.toUpperCase()} ${path}`];
    const media = Object.keys(response.content ?? {}).find((m) => contentType.startsWith(m.split(';')[0]));
    if (!media) return [`content type ${contentType} is not documented for ${status}`];
    if (!media.includes('json')) return [];
    const pointer = ['paths', path, method, 'responses', String(status), 'content', media, 'schema']
      .map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1')))
      .join('/');
    const validate = this.ajv.getSchema(`openapi.json#/${pointer}`);
    if (!validate) return [`no schema at ${pointer}`];
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  }
}
