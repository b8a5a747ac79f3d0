import { uniformInt, type Rng } from './random.ts';
import type { EnrollmentWindow } from './types.ts';

/**
 * A student's enrollment windows over `days` instructional days (positions, inclusive): most
 * students stay the whole year; some arrive or leave mid-year; a few leave and come back.
 */
export function drawWindows(days: number, rng: Rng): EnrollmentWindow[] {
  const u = rng();
  const last = days - 1;
  if (u < 0.86 || days < 60) return [{ entry: 0, exit: null }];
  if (u < 0.925) return [{ entry: uniformInt(rng, 5, last - 25), exit: null }];
  if (u < 0.975) return [{ entry: 0, exit: uniformInt(rng, 15, last - 5) }];
  if (u < 0.99) {
    const entry = uniformInt(rng, 5, last - 50);
    return [{ entry, exit: uniformInt(rng, entry + 20, last - 5) }];
  }
  const firstExit = uniformInt(rng, 20, last - 40);
  return [
    { entry: 0, exit: firstExit },
    { entry: uniformInt(rng, firstExit + 5, last - 20), exit: null },
  ];
}

/** True when the student was not enrolled on the first day (a mid-year arrival). */
export function arrivedLate(windows: readonly EnrollmentWindow[]): boolean {
  return windows[0].entry > 0;
}
