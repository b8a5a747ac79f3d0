import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/** zod with `.openapi()`: every server schema is both the validator and the OpenAPI description. */
extendZodWithOpenApi(z);
export { z };
