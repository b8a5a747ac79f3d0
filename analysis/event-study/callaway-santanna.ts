/**
 * Callaway & Sant'Anna (2021) group-time average treatment effects and their aggregations, as
 * did 2.5.1's `att_gt` + `aggte`. Options and result types: cs-types.ts.
 *
 *   callawaySantAnna(panel: Panel, options: CsOptions): CsOutcome
 *
 * Throws only for caller mistakes (malformed panel arrays); data problems come back as
 * `{ ok: false, refusal }` or as warnings in the result.
 */
import type { Panel } from './panel.js';
import type { CsOptions, CsOutcome } from './cs-types.js';

export type * from './cs-types.js';

export function callawaySantAnna(panel: Panel, options: CsOptions = {}): CsOutcome {
  void panel;
  void options;
  throw new Error('callawaySantAnna: not implemented yet');
}
