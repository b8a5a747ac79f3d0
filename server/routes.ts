import { allTokens, createToken, revokeToken } from '../access/token.service.ts';
import { studiesOfDistrict, districtAssignments } from '../access/partner.service.ts';
import {
  exportAssignments,
  randomizeStudy,
  showRandomization,
  verifyRandomization,
} from '../assignment/assignment.service.ts';
import { importFile } from '../cohorts/imports/import.service.ts';
import { allStudies, createStudy, enrollDistrict, showStudy } from '../cohorts/study.service.ts';
import { verifyAudit } from '../access/audit.service.ts';
import { AppError } from '../errors.ts';
import { importReceipts, importVisits } from '../outreach/outreach-import.service.ts';
import { ANALYSIS_ROUTES } from './analysis-routes.ts';
import { OPERATION_ROUTES } from './operation-routes.ts';
import { fetchArtifact, listArtifacts } from './partner-downloads.ts';
import {
  districtJson,
  importJson,
  outreachImportJson,
  randomizationJson,
  randomizedJson,
  studyJson,
  tokenJson,
} from './render.ts';
import { route, type RouteDef } from './route.ts';
import * as S from './schemas.ts';
import { z } from './zod.ts';

/** Upload limit of one import file over HTTP. */
export const IMPORT_MAX_BYTES = 512 * 1024 * 1024;

const READERS = ['staff', 'analyst'] as const;
const ALL = ['staff', 'analyst', 'partner'] as const;

/**
 * Every operation of /api/v1, one entry each: path, roles, schemas and the one service it calls.
 * tests/integration/http/authorization-matrix.ts holds the expected answer of each for every role.
 */
export const ROUTES: readonly RouteDef[] = [
  route({
    id: 'me',
    method: 'get',
    path: '/me',
    summary: 'The caller: role and, for a partner, its district',
    roles: ALL,
    status: 200,
    response: { json: S.Me },
    handler: async ({ principal }) => ({ role: principal.role, district: principal.districtLeaid }),
  }),
  route({
    id: 'studies.list',
    method: 'get',
    path: '/studies',
    summary: 'Every study',
    roles: READERS,
    status: 200,
    response: { json: z.array(S.Study) },
    handler: async ({ db }) => (await allStudies(db)).map(studyJson),
  }),
  route({
    id: 'studies.create',
    method: 'post',
    path: '/studies',
    summary: 'Create a study (the seed stays secret; its SHA-256 commitment is shown)',
    roles: ['staff'],
    body: S.CreateStudyBody,
    status: 201,
    response: { json: S.Study },
    handler: async ({ db, body, actor }) =>
      studyJson(
        await createStudy(
          db,
          {
            slug: body.slug,
            name: body.name,
            unit: body.unit,
            arms: body.arms,
            blockBy: body.block_by,
            seed: body.seed,
          },
          actor,
        ),
      ),
  }),
  route({
    id: 'studies.show',
    method: 'get',
    path: '/studies/:study',
    summary: 'A study with its districts and row counts',
    roles: READERS,
    params: S.StudyParams,
    status: 200,
    response: { json: S.StudyDetail },
    handler: async ({ db, params }) => {
      const r = await showStudy(db, params.study);
      return {
        study: studyJson(r.study),
        districts: r.districts.map(districtJson),
        counts: { ...r.counts },
      };
    },
  }),
  route({
    id: 'districts.enroll',
    method: 'post',
    path: '/studies/:study/districts',
    summary: 'Enroll a district (rural locales 41–43; towns 31–33 with a warning)',
    roles: ['staff'],
    params: S.StudyParams,
    body: S.EnrollDistrictBody,
    status: 201,
    response: { json: S.Enrolled },
    handler: async ({ db, params, body, actor }) => {
      const r = await enrollDistrict(
        db,
        {
          study: params.study,
          leaid: body.leaid,
          name: body.name,
          state: body.state,
          locale: body.locale,
          allowNonrural: body.allow_nonrural,
        },
        actor,
      );
      return { district: districtJson(r.district), warnings: r.warnings };
    },
  }),
  route({
    id: 'imports.create',
    method: 'post',
    path: '/studies/:study/districts/:leaid/imports/:kind',
    summary:
      'Import a district file: roster, schools, contacts, calendar, enrollment, attendance, or outreach receipts and visits (multipart field `file`; one transaction; same file twice changes nothing)',
    roles: ['staff'],
    districtParam: 'leaid',
    params: S.ImportKindParams,
    body: S.ImportFields,
    upload: { maxBytes: IMPORT_MAX_BYTES },
    status: 201,
    response: { json: z.union([S.ImportSummary, S.OutreachImportSummary]) },
    handler: async ({ db, params, body, upload, actor }) => {
      if (!upload) throw new AppError('BAD_INPUT', '`file`: a multipart field "file" is required');
      if (params.kind === 'receipts' || params.kind === 'visits') {
        if (body.exceptions !== undefined)
          throw new AppError('BAD_INPUT', '`exceptions`: only for attendance imports');
        const run = params.kind === 'receipts' ? importReceipts : importVisits;
        const request = {
          study: params.study,
          leaid: params.leaid,
          path: upload.path,
          encoding: body.encoding,
        };
        return outreachImportJson(await run(db, request, actor));
      }
      const summary = await importFile(
        db,
        {
          study: params.study,
          leaid: params.leaid,
          kind: params.kind,
          path: upload.path,
          exceptions: body.exceptions === 'true',
          encoding: body.encoding ?? 'utf-8',
        },
        actor,
      );
      return importJson(summary);
    },
  }),
  route({
    id: 'randomizations.create',
    method: 'post',
    path: '/studies/:study/randomizations',
    summary: 'Randomize the next wave (locked, audited; a concurrent request gets 409)',
    roles: ['staff'],
    params: S.StudyParams,
    body: S.RandomizeBody,
    status: 201,
    response: { json: S.Randomized },
    handler: async ({ db, params, body, actor }) =>
      randomizedJson(await randomizeStudy(db, { study: params.study, wave: body.wave, actor })),
  }),
  route({
    id: 'randomizations.show',
    method: 'get',
    path: '/studies/:study/randomizations',
    summary: 'The randomization record: commitment, seed once revealed, waves',
    roles: READERS,
    params: S.StudyParams,
    status: 200,
    response: { json: S.RandomizationRecord },
    handler: async ({ db, params }) => randomizationJson(await showRandomization(db, params.study)),
  }),
  route({
    id: 'randomizations.verify',
    method: 'post',
    path: '/studies/:study/randomizations/verify',
    summary: 'Re-derive every assignment from the revealed seed and the stored roster',
    roles: READERS,
    params: S.StudyParams,
    status: 200,
    response: { json: S.Verified },
    handler: async ({ db, params }) => {
      const r = await verifyRandomization(db, params.study);
      return { ...r, verified: r.mismatches.length === 0 };
    },
  }),
  route({
    id: 'assignments.export',
    method: 'get',
    path: '/studies/:study/assignments',
    summary: 'The whole assignment list of a study (every district)',
    roles: READERS,
    params: S.StudyParams,
    status: 200,
    response: { json: z.array(S.AssignmentRow) },
    handler: async ({ db, params }) => exportAssignments(db, params.study, null),
  }),
  route({
    id: 'districts.studies',
    method: 'get',
    path: '/districts/:leaid/studies',
    summary: "The studies a district takes part in (a partner: only its own district's)",
    roles: ALL,
    districtParam: 'leaid',
    params: z.strictObject({ leaid: S.Leaid }),
    status: 200,
    response: { json: z.array(S.DistrictStudy) },
    handler: async ({ db, params }) =>
      (await studiesOfDistrict(db, params.leaid)).map((s) => ({
        slug: s.slug,
        name: s.name,
        status: s.status,
        district_name: s.districtName,
        randomized: s.randomized,
      })),
  }),
  route({
    id: 'districts.assignments',
    method: 'get',
    path: '/studies/:study/districts/:leaid/assignments',
    summary: "A district's assignment list (audited)",
    roles: ALL,
    districtParam: 'leaid',
    params: S.DistrictParams,
    status: 200,
    response: { json: z.array(S.AssignmentRow) },
    handler: async ({ db, params, actor }) => districtAssignments(db, params.study, params.leaid, actor),
  }),
  route({
    id: 'downloads.list',
    method: 'get',
    path: '/studies/:study/districts/:leaid/downloads',
    summary: 'What a district can download: assignment list, partner report, message lists',
    roles: ALL,
    districtParam: 'leaid',
    params: S.DistrictParams,
    status: 200,
    response: { json: z.array(S.Artifact) },
    handler: async ({ db, params }) =>
      (await listArtifacts(db, params.study, params.leaid)).map((a) => ({
        name: a.name,
        title: a.title,
        kind: a.kind,
        content_type: a.contentType,
      })),
  }),
  route({
    id: 'downloads.fetch',
    method: 'get',
    path: '/studies/:study/districts/:leaid/downloads/:name',
    summary: 'Download one district artifact (audited)',
    roles: ALL,
    districtParam: 'leaid',
    params: S.ArtifactParams,
    status: 200,
    response: { file: ['text/csv', 'text/html', 'application/json'] },
    handler: async ({ db, params, actor }) =>
      fetchArtifact(db, params.study, params.leaid, params.name, actor),
  }),
  route({
    id: 'audit.verify',
    method: 'get',
    path: '/audit/verify',
    summary: 'Recompute the audit hash chain (422 names the first broken link)',
    roles: READERS,
    status: 200,
    response: { json: S.AuditState },
    handler: async ({ db }) => {
      const r = await verifyAudit(db);
      return { events: r.events, head: r.head, verified: true as const };
    },
  }),
  route({
    id: 'tokens.list',
    method: 'get',
    path: '/tokens',
    summary: 'Issued tokens (never the tokens themselves)',
    roles: ['staff'],
    status: 200,
    response: { json: z.array(S.TokenInfo) },
    handler: async ({ db }) => (await allTokens(db)).map(tokenJson),
  }),
  route({
    id: 'tokens.create',
    method: 'post',
    path: '/tokens',
    summary: 'Issue a token; it is shown once',
    roles: ['staff'],
    body: S.TokenBody,
    status: 201,
    response: { json: S.IssuedToken },
    handler: async ({ db, body, actor, now }) => {
      const r = await createToken(db, body, actor, now);
      return { token: r.token, info: tokenJson(r.stored) };
    },
  }),
  route({
    id: 'tokens.revoke',
    method: 'delete',
    path: '/tokens/:id',
    summary: 'Revoke a token (its portal sessions end too)',
    roles: ['staff'],
    params: S.TokenIdParams,
    status: 200,
    response: { json: S.TokenInfo },
    handler: async ({ db, params, actor, now }) =>
      tokenJson(await revokeToken(db, { id: params.id }, actor, now)),
  }),
  ...ANALYSIS_ROUTES,
  ...OPERATION_ROUTES,
];
