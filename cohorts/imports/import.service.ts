import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Transaction } from 'kysely';
import type { Db } from '../../db/connection.ts';
import { appendAuditEvent } from '../../db/audit.store.ts';
import {
  refreshAttendancePartitionStatistics,
  refreshPlannerStatistics,
  type AnalyzedTable,
} from '../../db/planner-statistics.store.ts';
import type { Database } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { MERGES, STAGE_KEYS } from './import-merges.store.ts';
import { ProblemSink, refuse, sharedStateIdsWarning } from './import-problems.ts';
import { NEEDS, readerFor } from './import-readers.ts';
import type { Counts, ImportRequest, ImportRoute, ImportSummary, ProgressFn } from './import-request.ts';
import type { ImportKind } from './import-rows/row-reader.ts';
import { DIRECT_TABLE, importDirect, resolveKind, sha256File, copyCsvRows } from './import-stream.service.ts';
import {
  analyzeStage,
  ensureAttendancePartition,
  conflictingContacts,
  createStage,
  duplicateKeys,
  findImport,
  insertHouseholds,
  insertImport,
  linkCaregivers,
  lockDistrictImports,
  loadDistrictReference,
  mergeStaged,
  overlappingEnrollments,
  overlapsStoredEnrollments,
  setImportCounts,
  setImportWarnings,
  sharedStateIds,
  spreadPhoneOptOuts,
  keepStoredOptOuts,
  spreadOptOutsToStored,
} from './import.store.ts';
import { importOneRoster } from './oneroster-import.service.ts';
import { requireDistrict } from '../study.service.ts';

export type { ImportRequest, ImportSummary, ProgressFn, RequestedKind } from './import-request.ts';

type Trx = Transaction<Database>;

async function checkDuplicates(trx: Trx, stage: string, kind: ImportKind, sink: ProblemSink): Promise<void> {
  const check = STAGE_KEYS[kind];
  for (const d of await duplicateKeys(trx, stage, check.key, check.shown)) {
    sink.problem(
      d.lines[1],
      check.column,
      `the same ${check.what} (${d.shown}) appears on lines ${d.lines.join(', ')}`,
    );
  }
}

/** Merges one staged kind into its tables; returns counts. */
async function mergeKind(
  trx: Trx,
  kind: ImportKind,
  stage: string,
  districtId: number,
  importId: number,
  sink: ProblemSink,
): Promise<Counts> {
  switch (kind) {
    case 'schools':
      return mergeStaged(trx, MERGES.school(stage, districtId), importId);
    case 'roster': {
      await insertHouseholds(trx, districtId, stage);
      const c = await mergeStaged(trx, MERGES.student(stage, districtId), importId);
      const shared = sharedStateIdsWarning(await sharedStateIds(trx, districtId));
      if (shared) sink.warn(shared);
      return c;
    }
    case 'contacts': {
      const spread = await spreadPhoneOptOuts(trx, stage);
      if (spread > 0)
        sink.warn(`opt-out applied to ${spread} other contact row(s) sharing an opted-out phone number`);
      const stored = await keepStoredOptOuts(trx, districtId, stage);
      if (stored.kept > 0)
        sink.warn(
          `opt-out recorded earlier kept for ${stored.kept} contact row(s) whose row in this file has none (an export is not a new consent)`,
        );
      if (stored.byNumber > 0)
        sink.warn(
          `opt-out applied to ${stored.byNumber} contact row(s) whose phone number a stored caregiver opted out`,
        );
      const c = await mergeStaged(trx, MERGES.caregiver(stage, districtId), importId);
      const others = await spreadOptOutsToStored(trx, districtId, importId);
      if (others > 0)
        sink.warn(
          `opt-out applied to ${others} other caregiver(s) of the district whose phone number is now opted out`,
        );
      await linkCaregivers(trx, districtId, stage);
      return c;
    }
    case 'calendar':
      return mergeStaged(trx, MERGES.calendar_day(stage), importId);
    case 'enrollment': {
      for (const line of await overlapsStoredEnrollments(trx, stage))
        sink.warn(
          'enrollment window overlaps a stored window of the same student under another school or entry date; both are kept (nothing is deleted) and attendance is accepted in either',
          line,
        );
      return mergeStaged(trx, MERGES.enrollment(stage), importId);
    }
    case 'attendance_daily':
      await ensureAttendancePartition(trx, districtId, importId);
      return mergeStaged(trx, MERGES.attendance_day(stage, districtId), importId);
    case 'attendance_monthly':
      return mergeStaged(trx, MERGES.attendance_month(stage), importId);
  }
}

async function fileChecks(trx: Trx, kind: ImportKind, stage: string, sink: ProblemSink): Promise<void> {
  await checkDuplicates(trx, stage, kind, sink);
  if (kind === 'contacts') {
    for (const c of await conflictingContacts(trx, stage)) {
      sink.problem(
        c.lines[1],
        'contact_id',
        `contact ${c.key} is described differently on lines ${c.lines.join(', ')} (one caregiver, one set of details)`,
      );
    }
  }
  if (kind === 'enrollment') {
    for (const o of await overlappingEnrollments(trx, stage)) {
      sink.problem(
        o.lines[1],
        'entry_date',
        `this enrollment window overlaps the one on line ${o.lines[0]} for the same student`,
      );
    }
  }
}

/** The tables each kind of import writes (partitioned attendance_day by its parent). */
const WRITTEN: Record<ImportKind | 'oneroster', readonly AnalyzedTable[]> = {
  schools: ['school'],
  roster: ['student', 'household'],
  contacts: ['caregiver', 'caregiver_student'],
  calendar: ['calendar_day'],
  enrollment: ['enrollment'],
  attendance_daily: ['attendance_day'],
  attendance_monthly: ['attendance_month'],
  oneroster: ['school', 'student', 'household', 'caregiver', 'caregiver_student', 'enrollment'],
};

/**
 * Imports one district file in one transaction keyed by its SHA-256: the same file twice changes
 * nothing; a file with any problem changes nothing and is refused with every problem located by file,
 * line and column; rows replace earlier rows with the same natural key, and what they replaced is kept.
 */
export async function importFile(
  db: Db,
  req: ImportRequest,
  actor: string,
  progress?: ProgressFn,
): Promise<ImportSummary> {
  const { study, district } = await requireDistrict(db, req.study, req.leaid);
  const file = basename(req.path);
  const size = await stat(req.path).then(
    (s) => s.size,
    () => -1,
  );
  if (size < 0) throw new AppError('NOT_FOUND', `cannot read ${req.path}`);
  const kind = await resolveKind(req);
  const storedKind: ImportKind = kind === 'oneroster' ? 'roster' : kind;
  const sha256 = await sha256File(req.path);
  let sink = new ProblemSink(file);

  const summary = await db.withSession((session) =>
    session.db.transaction().execute(async (trx): Promise<ImportSummary> => {
      // One import at a time per district: a concurrent request for the same file waits, then finds it imported.
      await lockDistrictImports(trx, district.id);
      const previous = await findImport(trx, district.id, storedKind, sha256);
      if (previous) {
        return {
          kind: storedKind,
          file,
          sha256,
          status: 'already_imported' as const,
          importId: previous.id,
          rowsRead: 0,
          inserted: 0,
          replaced: 0,
          unchanged: 0,
          warnings: [],
        };
      }
      let route: ImportRoute = 'merged';
      let rowsRead: number;
      let counts: Counts;
      let importId: number;
      if (kind === 'oneroster') {
        ({ rowsRead, counts, importId } = await importOneRoster(session, trx, req, district, sha256, sink));
      } else {
        const ref = await loadDistrictReference(trx, district.id, district.leaid, NEEDS[kind]);
        importId = await insertImport(trx, {
          districtId: district.id,
          kind,
          sha256,
          fileName: file,
          rowsRead: 0,
          warnings: [],
        });
        const direct = DIRECT_TABLE[kind]
          ? await importDirect(
              session,
              trx,
              DIRECT_TABLE[kind],
              kind,
              ref,
              req,
              { importId, districtId: district.id },
              progress,
            )
          : null;
        if (direct) ({ rowsRead, counts, sink, route } = direct);
        else {
          sink = new ProblemSink(file);
          const reader = readerFor(kind, ref, req);
          const stage = `stage_${kind}`;
          await createStage(trx, stage, reader.stageColumns);
          rowsRead = await copyCsvRows(session, { table: stage, direct: false }, reader, req, sink, progress);
          if (sink.failed) refuse(sink, file);
          await analyzeStage(trx, stage);
          await fileChecks(trx, kind, stage, sink);
          if (sink.failed) refuse(sink, file);
          counts = await mergeKind(trx, kind, stage, district.id, importId, sink);
        }
      }
      const unchanged = rowsRead - counts.inserted - counts.replaced;
      await setImportCounts(trx, importId, { rowsRead, ...counts, unchanged: Math.max(0, unchanged) });
      await setImportWarnings(trx, importId, sink.warnings);
      await appendAuditEvent(trx, {
        actor,
        action: 'import',
        entity: `study:${study.slug}/district:${district.leaid}`,
        details: {
          kind: storedKind,
          file,
          sha256,
          rows_read: rowsRead,
          inserted: counts.inserted,
          replaced: counts.replaced,
          warnings: sink.warnings.length,
        },
      });
      return {
        kind: storedKind,
        file,
        sha256,
        status: 'imported' as const,
        route,
        importId,
        rowsRead,
        ...counts,
        unchanged: Math.max(0, unchanged),
        warnings: sink.warnings,
      };
    }),
  );
  // Statistics for the planner once the rows are committed: the outcome and report queries group and
  // join these tables by the million, and PGlite (like a server without autovacuum) never analyzes
  // them. The tables when they are new or have grown by a fifth. Daily attendance: the district's
  // partition each time, its partitioned parent only while it has no statistics at all (analyzing the
  // parent samples every partition again, seconds at national scale, so it waits until the outcome
  // queries need it: refreshOutcomeStatistics).
  if (summary.status === 'imported') {
    if (storedKind === 'attendance_daily') await refreshAttendancePartitionStatistics(db.kysely, district.id);
    if (storedKind === 'attendance_daily')
      await refreshPlannerStatistics(db.kysely, WRITTEN.attendance_daily, { onlyNeverAnalyzed: true });
    else await refreshPlannerStatistics(db.kysely, WRITTEN[kind], { onlyGrownBy: 0.2 });
  }
  return summary;
}
