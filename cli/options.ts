/**
 * One option parser for every `pilot` command (STYLE.md §8: validate once, at the edge).
 *
 * A command declares its flags with commander (for `--help`) and validates what commander hands its
 * action with one zod schema, built from the fields below:
 *
 *   const schema = z.object({ study: option.slug, wave: option.positiveInteger.optional(), json: option.flag });
 *   .action(async (raw) => { const o = parseOptions(schema, raw); … })
 *
 * - `parseOptions(schema, raw)` returns the typed options or throws `AppError('BAD_INPUT')` whose
 *   message names each bad flag (`invalid options: --wave: must be a positive whole number, not "x"`).
 *   Schema keys are commander's attribute names (camelCase of the flag: `seType` is `--se-type`).
 * - `option.*` are the shared field types; commander gives strings (or `true` for a bare flag), so
 *   numeric fields coerce from text and refuse anything that is not exactly a number.
 * - `flagsInMessage(text, command)` renders a field name written in backticks by a service or pure
 *   code (`` `arms`: … ``) as the command's flag (`--arms: …`). Services and pure code name fields,
 *   never flags, because the HTTP server shows the same messages; cli/main.ts applies this to every
 *   error it prints.
 *
 * Messages in schemas (`.refine(…, { message })`) follow the same rule: name other fields in
 * backticks and `parseOptions` renders them as flags.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { AppError } from '../errors.ts';

export { z };

const WHOLE = /^[0-9]+$/;

/** Text that must be given (commander leaves an omitted `.option` undefined). */
const required = z.string({
  error: (issue) => (issue.input === undefined ? 'is required' : 'must be text'),
});

/** A whole number from text, at least `min` (and at most `max`): `"12"` → 12; `"1.5"`, `"1e3"`, `""` are refused. */
function wholeNumber(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const text = String(v).trim();
    const n = Number(text);
    if (!WHOLE.test(text) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      ctx.addIssue({ code: 'custom', message: `must be a whole number ${range}, not "${v}"` });
      return z.NEVER;
    }
    return n;
  });
}

/** A decimal number from text (`"0.05"`, `"-2"`, `"1e-3"`); blank or non-numeric text is refused. */
const decimal = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const text = String(v).trim();
  const n = text === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `must be a number, not "${v}"` });
    return z.NEVER;
  }
  return n;
});

/** The shared field types of `pilot` options. */
export const option = {
  /** non-empty text, trimmed */
  text: required.trim().min(1, 'must not be empty'),
  /** a study slug as given (the service checks its form) */
  slug: required.trim().min(1, 'must name a study'),
  /** an NCES LEAID: exactly 7 digits, leading zeros kept */
  leaid: required.trim().regex(/^[0-9]{7}$/, 'must be a 7-digit NCES LEAID'),
  /** a presence flag: `true` when given */
  flag: z.boolean().optional().default(false),
  /** 1, 2, 3, … */
  positiveInteger: wholeNumber(1),
  wholeNumber,
  decimal,
  /** comma-separated names: `"a, b,,c"` → `['a', 'b', 'c']`; absent → `[]` */
  list: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    ),
} as const;

/** `seType` → `--se-type` (commander's attribute name back to its flag). */
export function flagOf(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, '-')}`;
}

/**
 * Validates commander's options with a zod schema; throws `AppError('BAD_INPUT')` naming every bad
 * flag, so nothing runs on options that are half right.
 */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues.map((i) => {
    const field = i.path.length > 0 ? String(i.path[0]) : '';
    const message = backticksToFlags(i.message, () => true);
    return field ? `${flagOf(field)}: ${message}` : message;
  });
  throw new AppError('BAD_INPUT', `invalid options: ${why.join('; ')}`, {
    fields: parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ''), message: i.message })),
  });
}

function backticksToFlags(text: string, known: (field: string) => boolean): string {
  return text.replace(/`([A-Za-z][A-Za-z0-9_]*)`/g, (whole, field: string) =>
    known(camel(field)) ? flagOf(camel(field)) : whole,
  );
}

function camel(field: string): string {
  return field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Renders the backticked field names of a service's message as the flags of `command` (and of its
 * parents, whose options subcommands share): `` `arms`: must sum to 1 `` → `--arms: must sum to 1`.
 * A backticked name that is not one of the command's options is left as it is.
 */
export function flagsInMessage(text: string, command: Command | undefined): string {
  if (!command) return text;
  const fields = new Set<string>();
  for (let c: Command | null = command; c; c = c.parent) {
    for (const o of c.options) fields.add(o.attributeName());
  }
  return backticksToFlags(text, (f) => fields.has(f));
}
