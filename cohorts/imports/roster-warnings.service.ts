import type { Transaction } from 'kysely';
import type { Database } from '../../db/types.ts';
import type { ProblemSink } from './import-problems.ts';
import { sharedStateIds } from './import.store.ts';

type Trx = Transaction<Database>;

/** Reports roster students whose state id another district of the study already holds. */
export async function warnSharedStateIds(trx: Trx, districtId: number, sink: ProblemSink): Promise<void> {
  const shared = await sharedStateIds(trx, districtId);
  if (shared.count > 0) {
    sink.warn(
      `${shared.count} student(s) also on another district's roster in this study (same state id, e.g. ${shared.example}); each keeps its first randomization, and attendance counts only inside each district's enrollment`,
    );
  }
}
