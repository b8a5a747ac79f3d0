/**
 * Options and result of Pilot's Callaway–Sant'Anna estimator (`callawaySantAnna(panel, options)` in
 * callaway-santanna.ts), matching did 2.5.1's `att_gt` + `aggte`. Field names are camelCase here;
 * the CLI and reports write them snake_case (issue 12 item 7 JSON).
 */
export type CsControl = 'never' | 'notyet';
export type CsBasePeriod = 'varying' | 'universal';
export type CsEstMethod = 'dr' | 'ipw' | 'reg';
export type CsAggregationType = 'simple' | 'dynamic' | 'group' | 'calendar';

export interface CsBootstrapOptions {
  /** number of multiplier-bootstrap draws (did's `biters`), e.g. 1000 */
  draws: number;
  /** seed of the seedrandom generator of the Rademacher multipliers; same seed, same bands */
  seed: string;
}

export interface CsOptions {
  /** did's control_group: 'never' = "nevertreated" (default), 'notyet' = "notyettreated" */
  control?: CsControl;
  /** did's base_period (default 'varying') */
  basePeriod?: CsBasePeriod;
  /** did's allow_unbalanced_panel (default false: only units observed in every period are kept) */
  allowUnbalancedPanel?: boolean;
  /** did's anticipation δ in periods (default 0) */
  anticipation?: number;
  /** with panel.covariates: did's est_method (default 'dr', Sant'Anna & Zhao improved doubly robust) */
  estMethod?: CsEstMethod;
  /** the aggregation reported in `aggregation` besides the dynamic `terms` (default 'dynamic') */
  aggregate?: CsAggregationType;
  /** aggte's min_e / max_e (event-time window of the dynamic aggregation) and balance_e */
  minE?: number;
  maxE?: number;
  balanceE?: number;
  /** significance level (default 0.05) */
  alpha?: number;
  /** multiplier bootstrap for uniform bands (and bootstrap SEs); analytic SEs when absent */
  bootstrap?: CsBootstrapOptions;
  /**
   * cluster on panel.cluster (did's clustervars): the bootstrap draws one multiplier per cluster,
   * and the analytic SEs are cluster-robust (√Σ_c S_c² / n; did ignores clusters without the
   * bootstrap). Default: cluster when the panel has clusters.
   */
  clustered?: boolean;
}

export type CsWarningCode =
  /** the panel has no never-treated unit: not-yet-treated controls were used instead */
  | 'no-never-treated-fallback'
  /** units not observed in every period were dropped (balanced-panel path) */
  | 'unbalanced-units-dropped'
  /** a group has fewer units than did's small-group threshold */
  | 'small-group'
  /** a (g, t) cell had no treated or no control units: its ATT is not estimated */
  | 'empty-cell'
  /** units treated in or before the first period were dropped (did drops always-treated units) */
  | 'always-treated-dropped'
  /** a cohort later than the last period: those units count as never treated (did's convention) */
  | 'cohort-after-last-period'
  /** the pre-trend Wald test could not be computed (singular covariance) */
  | 'pretrend-singular'
  /** the propensity score is near 0 or 1 in some cell (trimmed as did does) */
  | 'propensity-trimmed'
  /** the bootstrap's uniform critical value is 7 or more (did's warning): bands are unreliable */
  | 'uniform-band-unreliable';

export interface CsWarning {
  code: CsWarningCode;
  message: string;
  details?: Record<string, unknown>;
}

/** One group-time average treatment effect, ATT(g, t). */
export interface CsAttGt {
  group: number;
  time: number;
  eventTime: number;
  /** NaN when the cell could not be estimated (see warnings) */
  estimate: number;
  /** null for the universal base period's reference cell (estimate 0 by construction) */
  stdError: number | null;
  pValue: number | null;
  confLow: number | null;
  confHigh: number | null;
  /** treated and control units in the cell */
  nTreated: number;
  nControl: number;
}

/** One aggregated effect: keyed by event time (dynamic), group (group) or period (calendar). */
export interface CsTerm {
  /** dynamic: event time e; group: the cohort g; calendar: the period t; simple: null */
  eventTime: number | null;
  group: number | null;
  time: number | null;
  estimate: number;
  /** null where the term has no sampling variance (the universal base period's e = −1 reference) */
  stdError: number | null;
  /** normal inference: always null (did uses the normal distribution) */
  df: null;
  pValue: number | null;
  confLow: number | null;
  confHigh: number | null;
  /** uniform (simultaneous) band: bootstrap critical value when bootstrapped, else equal to the pointwise interval */
  uniformLow: number | null;
  uniformHigh: number | null;
  /** units contributing to the term (treated units of the cohorts it averages) */
  n: number;
}

export interface CsOverall {
  estimate: number;
  stdError: number | null;
  pValue: number | null;
  confLow: number | null;
  confHigh: number | null;
}

export interface CsAggregation {
  type: CsAggregationType;
  terms: CsTerm[];
  overall: CsOverall;
  /** critical value of the uniform band (z_{1-α/2} without bootstrap) */
  criticalValue: number;
}

export interface CsPretrend {
  /** Wald statistic n·θ'V⁻¹θ of the pre-treatment ATT(g,t) (did's W), chi-square with df1 */
  statistic: number;
  df1: number;
  /** null: chi-square reference (no denominator df) */
  df2: null;
  pValue: number;
}

export interface CsResult {
  method: 'cs';
  control: CsControl;
  basePeriod: CsBasePeriod;
  estMethod: CsEstMethod | null;
  nUnits: number;
  /** dynamic aggregation (aggte type 'dynamic', with minE/maxE/balanceE) */
  terms: CsTerm[];
  /** overall effect of the dynamic aggregation (average over e ≥ 0) */
  overall: CsOverall;
  /** the requested aggregation (equals the dynamic one when aggregate = 'dynamic') */
  aggregation: CsAggregation;
  attGt: CsAttGt[];
  pretrend: CsPretrend | null;
  bootstrap: { draws: number; seed: string; clustered: boolean; criticalValue: number } | null;
  warnings: CsWarning[];
}

export type CsRefusalCode = 'empty-data' | 'no-treated-units' | 'no-control-units' | 'single-period';

export type CsOutcome =
  | { ok: true; result: CsResult }
  | { ok: false; refusal: { code: CsRefusalCode; message: string; details?: Record<string, unknown> } };
