/**
 * Which standard-error types apply, as estimatr 1.0.0's `check_se_type`: HC2 by default and
 * classical/HC0/HC1/HC2/HC3 ("stata" = HC1) without clusters; CR2 by default and CR0/CR2/"stata"
 * with clusters.
 */
import type { EstimatorRefusal, SeType } from './types.ts';

export const UNCLUSTERED_SE_TYPES: readonly SeType[] = ['classical', 'HC0', 'HC1', 'HC2', 'HC3', 'stata'];
export const CLUSTERED_SE_TYPES: readonly SeType[] = ['CR0', 'CR2', 'stata'];

/**
 * @example resolveSeType(undefined, true) // { ok: true, seType: 'CR2' }
 * @example resolveSeType('stata', false) // { ok: true, seType: 'HC1' }
 */
export function resolveSeType(
  seType: SeType | undefined,
  clustered: boolean,
): { ok: true; seType: SeType } | { ok: false; refusal: EstimatorRefusal } {
  if (clustered) {
    const chosen = seType ?? 'CR2';
    if (CLUSTERED_SE_TYPES.includes(chosen)) return { ok: true, seType: chosen };
    return refuse(chosen, 'with clusters', CLUSTERED_SE_TYPES);
  }
  const chosen = seType ?? 'HC2';
  if (!UNCLUSTERED_SE_TYPES.includes(chosen)) return refuse(chosen, 'without clusters', UNCLUSTERED_SE_TYPES);
  return { ok: true, seType: chosen === 'stata' ? 'HC1' : chosen };
}

function refuse(
  chosen: string,
  where: string,
  allowed: readonly SeType[],
): { ok: false; refusal: EstimatorRefusal } {
  return {
    ok: false,
    refusal: {
      code: 'unsupported-se-type',
      message: `Standard-error type "${chosen}" cannot be used ${where}; choose one of ${allowed.join(', ')}.`,
      details: { seType: chosen, allowed },
    },
  };
}
