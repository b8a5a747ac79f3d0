import { z } from './zod.ts';

/** Path, query, body and response schemas of /api/v1 (snake_case on the wire, as `--json` prints). */

export const Slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a study slug (lower-case letters, digits, dashes)')
  .openapi({ example: 'liftup' });
export const Leaid = z
  .string()
  .regex(/^[0-9]{7}$/, 'must be a 7-digit NCES LEAID')
  .openapi({ example: '0100005' });

export const StudyParams = z.strictObject({ study: Slug });
export const DistrictParams = z.strictObject({ study: Slug, leaid: Leaid });
export const NoQuery = z.strictObject({});

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export const Study = z
  .object({
    slug: z.string(),
    name: z.string(),
    status: z.string(),
    unit: z.enum(['student', 'household', 'school']),
    arms: z.array(z.object({ name: z.string(), probability: z.string() })),
    block_by: z.array(z.string()),
    seed_commitment: z.string(),
    seed: z.string().nullable(),
    algorithm: z.string(),
    created_at: z.string(),
  })
  .openapi('Study');

export const District = z
  .object({
    leaid: z.string(),
    name: z.string(),
    state: z.string(),
    locale_code: z.number().int(),
    enrolled_at: z.string(),
  })
  .openapi('District');

export const StudyDetail = z
  .object({
    study: Study,
    districts: z.array(District),
    counts: z.record(z.string(), z.number()),
  })
  .openapi('StudyDetail');

export const CreateStudyBody = z
  .strictObject({
    slug: Slug,
    name: z.string().min(1).max(200),
    unit: z.enum(['student', 'household', 'school']),
    arms: z.string().min(1).max(500).openapi({ example: 'control:0.5,treatment:0.5' }),
    block_by: z.string().max(200).optional().openapi({ example: 'district,grade_band' }),
    seed: z.string().max(200).optional(),
  })
  .openapi('CreateStudy');

export const EnrollDistrictBody = z
  .strictObject({
    leaid: z.string().max(20),
    name: z.string().min(1).max(200),
    state: z.string().min(2).max(2),
    locale: z.number().int().min(11).max(43),
    allow_nonrural: z.boolean().optional(),
  })
  .openapi('EnrollDistrict');

export const Enrolled = z.object({ district: District, warnings: z.array(z.string()) }).openapi('Enrolled');

export const ImportKindParams = z.strictObject({
  study: Slug,
  leaid: Leaid,
  kind: z.enum([
    'roster',
    'schools',
    'contacts',
    'calendar',
    'enrollment',
    'attendance',
    'receipts',
    'visits',
  ]),
});
export const ImportFields = z.strictObject({
  encoding: z.enum(['utf-8', 'windows-1252']).optional(),
  exceptions: z.enum(['true', 'false']).optional(),
});

/** What every import answers (`pilot import --json`), whatever it imported. */
const IMPORT_FIELDS = {
  file: z.string(),
  sha256: z.string(),
  status: z.enum(['imported', 'already_imported']),
  import_id: z.number().int(),
  rows_read: z.number().int(),
  inserted: z.number().int(),
  replaced: z.number().int(),
  warnings: z.array(
    z.object({
      message: z.string(),
      count: z.number().int(),
      file: z.string(),
      line: z.number().nullable(),
    }),
  ),
};

export const ImportSummary = z
  .object({ kind: z.string(), ...IMPORT_FIELDS, unchanged: z.number().int() })
  .openapi('ImportSummary');

/** `pilot import receipts|visits --json`: what an outreach import did. */
export const OutreachImportSummary = z
  .object({
    kind: z.enum(['receipts', 'visits']),
    ...IMPORT_FIELDS,
    messages_updated: z.number().int(),
    caregivers_opted_out: z.number().int(),
  })
  .openapi('OutreachImportSummary');

export const RandomizeBody = z.strictObject({ wave: z.number().int().min(1).max(1000).optional() });

export const Randomized = z
  .object({
    study: z.string(),
    randomization_id: z.number().int(),
    wave: z.number().int(),
    algorithm: z.string(),
    version: z.number().int(),
    units: z.number().int(),
    students: z.number().int(),
    blocks: z.number().int(),
    roster_sha256: z.string(),
    assignment_sha256: z.string(),
    warnings: z.array(z.string()),
    balance: z.array(
      z.object({
        arm: z.string(),
        control: z.string(),
        bands: z.record(z.string(), z.number()),
        worst: z.object({ covariate: z.string(), level: z.string().nullable(), smd: z.number() }).nullable(),
      }),
    ),
  })
  .openapi('Randomized');

export const RandomizationRecord = z
  .object({
    study: z.string(),
    algorithm: z.string(),
    unit: z.string(),
    block_by: z.array(z.string()),
    arms: z.array(z.object({ name: z.string(), probability: z.string() })),
    seed_commitment: z.string(),
    seed: z.string().nullable(),
    waves: z.array(
      z.object({
        wave: z.number().int(),
        algorithm: z.string(),
        version: z.number().int(),
        seed_derivation: z.string(),
        units: z.number().int(),
        students: z.number().int(),
        roster_sha256: z.string(),
        assignment_sha256: z.string(),
        locked_at: z.string(),
      }),
    ),
  })
  .openapi('RandomizationRecord');

export const Verified = z
  .object({
    study: z.string(),
    waves: z.number().int(),
    units: z.number().int(),
    verified: z.boolean(),
    mismatches: z.array(z.object({ wave: z.number().nullable(), kind: z.string(), message: z.string() })),
  })
  .openapi('RandomizationVerified');

export const AssignmentRow = z
  .object({
    unit_key: z.string(),
    student_id: z.string(),
    district_leaid: z.string(),
    block_key: z.string(),
    arm: z.string(),
    wave: z.number().int(),
  })
  .openapi('AssignmentRow');

export const DistrictStudy = z
  .object({
    slug: z.string(),
    name: z.string(),
    status: z.string(),
    district_name: z.string(),
    randomized: z.boolean(),
  })
  .openapi('DistrictStudy');

export const Artifact = z
  .object({
    name: z.string(),
    title: z.string(),
    kind: z.enum(['assignments', 'report', 'messages']),
    content_type: z.string(),
  })
  .openapi('Artifact');
export const ArtifactParams = z.strictObject({
  study: Slug,
  leaid: Leaid,
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,100}$/, 'must be an artifact name such as assignments.csv')
    .refine((v) => !v.includes('..'), 'must not contain ".."'),
});

export const AuditState = z
  .object({ events: z.number().int(), head: z.string(), verified: z.literal(true) })
  .openapi('AuditVerified');

export const Me = z
  .object({ role: z.enum(['staff', 'analyst', 'partner']), district: z.string().nullable() })
  .openapi('Me');

export const TokenBody = z
  .strictObject({
    role: z.enum(['staff', 'analyst', 'partner']),
    district: Leaid.optional(),
    expires: z.string().max(10).optional().openapi({ example: '2027-06-30' }),
    label: z.string().max(200).optional(),
  })
  .openapi('TokenRequest');
export const TokenInfo = z
  .object({
    id: z.number().int(),
    role: z.string(),
    district: z.string().nullable(),
    label: z.string(),
    created_by: z.string(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi('Token');
export const IssuedToken = z
  .object({ token: z.string(), info: TokenInfo })
  .openapi('IssuedToken', { description: 'The token is shown once; only its SHA-256 is stored.' });
export const TokenIdParams = z.strictObject({ id: z.coerce.number().int().min(1) });
