import { AppError } from '../errors.ts';
import type { Db } from '../db/connection.ts';
import { checkChain, type ChainCheck } from '../db/audit-chain.ts';
import { loadAuditRows } from '../db/audit.store.ts';

/** `pilot audit verify`: the chain's state; throws VERIFY_FAILED naming the first broken link. */
export async function verifyAudit(db: Db): Promise<ChainCheck> {
  const result = checkChain(await loadAuditRows(db.kysely));
  if (result.firstBroken) {
    const b = result.firstBroken;
    throw new AppError(
      'VERIFY_FAILED',
      `audit chain broken at event ${b.seq} (${b.action} ${b.entity}, ${b.at}): ${b.reason}`,
      result,
    );
  }
  return result;
}
