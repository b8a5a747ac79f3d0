/**
 * The static two-way fixed-effects estimate y_it = α_i + λ_t + β·1{t ≥ G_i} + ε_it (the number the
 * Goodman-Bacon decomposition explains), with fixest's clustered CR1 inference (t(G − 1)).
 */
import { tQuantileAt, tTwoSidedPValue } from '../distributions.ts';
import type { EventStudyOverall } from './event-study-types.ts';
import type { Panel } from './panel.ts';
import { clusterFactor, periodFactor, unitFactor } from './panel-factors.ts';
import { fitTwoWayIndicators } from './two-way-regression.ts';

/**
 * @example staticTwfe(castlePanel).estimate // 0.0818116169306498 (lm(l_homicide ~ post + factor(state) + factor(year)))
 */
export function staticTwfe(panel: Panel, alpha = 0.05): EventStudyOverall | null {
  const code = Int32Array.from(panel.unit, (u, o) => {
    const g = panel.cohort[u];
    return g !== 0 && panel.times[panel.period[o]] >= g ? 0 : -1;
  });
  const out = fitTwoWayIndicators({
    y: panel.y,
    design: { code, columns: 1 },
    unit: unitFactor(panel),
    period: periodFactor(panel),
    cluster: clusterFactor(panel),
    seType: 'CR1',
  });
  if (!out.ok) return null;
  const { beta, vcov, df } = out.fit;
  const stdError = Math.sqrt(vcov[0]);
  const half = tQuantileAt(1 - alpha / 2, df[0]) * stdError;
  return {
    estimate: beta[0],
    stdError,
    df: df[0],
    pValue: tTwoSidedPValue(beta[0] / stdError, df[0]),
    confLow: beta[0] - half,
    confHigh: beta[0] + half,
  };
}
