import { describe, expect, it } from '@jest/globals';
import { subgroupHeterogeneity } from '../../../../analysis/event-study/run-event-study.ts';

describe('subgroupHeterogeneity (Cochran Q on the subgroups overall effects)', () => {
  it('Q = Σ (θ − θ̄)²/SE² on K − 1 df', () => {
    const q = subgroupHeterogeneity([
      { overall: { estimate: 1, std_error: 1 } },
      { overall: { estimate: 3, std_error: 1 } },
      { error: 'not estimated' },
    ])!;
    expect(q.statistic).toBe(2);
    expect(q.df).toBe(1);
    expect(q.p_value).toBeCloseTo(0.157299207050285, 12); // R: pchisq(2, 1, lower.tail = FALSE)
  });

  it('weights by precision and needs two estimated subgroups', () => {
    const q = subgroupHeterogeneity([
      { overall: { estimate: 0, std_error: 1 } },
      { overall: { estimate: 1, std_error: 2 } },
      { overall: { estimate: 2, std_error: 0.5 } },
    ])!;
    const w = [1, 0.25, 4];
    const mean = (0 * w[0] + 1 * w[1] + 2 * w[2]) / (w[0] + w[1] + w[2]);
    expect(q.statistic).toBeCloseTo(w[0] * mean ** 2 + w[1] * (1 - mean) ** 2 + w[2] * (2 - mean) ** 2, 12);
    expect(q.df).toBe(2);
    expect(subgroupHeterogeneity([{ overall: { estimate: 1, std_error: 1 } }])).toBeNull();
  });
});
