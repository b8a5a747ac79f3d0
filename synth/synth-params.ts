import { z } from 'zod';
import { MIN_DISTRICT_STUDENTS } from './district-plan.ts';
import type { SynthParams } from './types.ts';

/** Version of the generator, recorded in manifest.json; bump when the same seed would give other data. */
export const GENERATOR_VERSION = 'pilot-synth/1';

const PLACE_NAME_LIMIT = 100; // 400 place names, four per district

/** Parameters of `pilot synth`, validated once at the edge. */
export const SynthParamsSchema = z
  .object({
    districts: z.number().int().min(1).max(PLACE_NAME_LIMIT),
    students: z.number().int().min(MIN_DISTRICT_STUDENTS).max(5_000_000),
    seed: z.string().min(1),
    year: z.number().int().min(2000).max(2100),
    oneroster: z.number().int().min(0),
    exceptions: z.boolean(),
  })
  .refine((p) => p.students >= p.districts * MIN_DISTRICT_STUDENTS, {
    message: `need at least ${MIN_DISTRICT_STUDENTS} students per district`,
    path: ['students'],
  })
  .refine((p) => p.oneroster <= p.districts, {
    message: 'cannot exceed the number of districts',
    path: ['oneroster'],
  });

export function parseSynthParams(
  input: unknown,
): { ok: true; params: SynthParams } | { ok: false; problems: string[] } {
  const parsed = SynthParamsSchema.safeParse(input);
  if (parsed.success) return { ok: true, params: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => `${i.path.length ? `\`${i.path.join('.')}\`` : 'options'}: ${i.message}`),
  };
}
