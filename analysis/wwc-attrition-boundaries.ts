/**
 * The What Works Clearinghouse attrition boundaries: for each whole-percent overall attrition rate,
 * the highest differential attrition (percentage points) at which a randomized trial still has "low
 * attrition", under the cautious and the optimistic assumptions about how attrition relates to the
 * outcome.
 *
 * Source: WWC Procedures and Standards Handbook v4.0 / v4.1, Table II.1 ("Highest differential
 * attrition for a sample to maintain low attrition, by overall attrition"); the same boundaries as in
 * v3.0. The values below were taken from a third-party transcription of that table for overall
 * attrition 0–57 % (the open-source RWWC attrition calculator, written for handbook v4.0) and could
 * not be checked against the handbook PDF itself here. The handbook's optimistic column continues
 * past 57 % overall attrition (the cautious boundary reaches 0 there); those rows are not encoded,
 * so rates above 57 % are reported as beyond the table rather than guessed.
 */

/** Index = overall attrition in whole percent (0–57); value = differential boundary in points. */
export const WWC_CAUTIOUS_BOUNDARY: readonly number[] = Object.freeze([
  5.7,
  5.8,
  5.9,
  5.9,
  6.0,
  6.1,
  6.2,
  6.3,
  6.3,
  6.3, // 0–9
  6.3,
  6.2,
  6.2,
  6.1,
  6.0,
  5.9,
  5.9,
  5.8,
  5.7,
  5.5, // 10–19
  5.4,
  5.3,
  5.2,
  5.1,
  4.9,
  4.8,
  4.7,
  4.5,
  4.4,
  4.3, // 20–29
  4.1,
  4.0,
  3.8,
  3.6,
  3.5,
  3.3,
  3.2,
  3.1,
  2.9,
  2.8, // 30–39
  2.6,
  2.5,
  2.3,
  2.1,
  2.0,
  1.8,
  1.6,
  1.5,
  1.3,
  1.2, // 40–49
  1.0,
  0.9,
  0.7,
  0.6,
  0.4,
  0.3,
  0.2,
  0.0, //           50–57
]);

/** Index = overall attrition in whole percent (0–57); value = differential boundary in points. */
export const WWC_OPTIMISTIC_BOUNDARY: readonly number[] = Object.freeze([
  10.0,
  10.1,
  10.2,
  10.3,
  10.4,
  10.5,
  10.7,
  10.8,
  10.9,
  10.9, // 0–9
  10.9,
  10.9,
  10.9,
  10.9,
  10.8,
  10.8,
  10.7,
  10.6,
  10.5,
  10.3, // 10–19
  10.2,
  10.0,
  9.9,
  9.7,
  9.5,
  9.4,
  9.2,
  9.0,
  8.8,
  8.6, //         20–29
  8.4,
  8.2,
  8.0,
  7.8,
  7.6,
  7.4,
  7.2,
  7.0,
  6.7,
  6.5, //           30–39
  6.3,
  6.0,
  5.8,
  5.6,
  5.3,
  5.1,
  4.9,
  4.6,
  4.4,
  4.2, //           40–49
  3.9,
  3.7,
  3.5,
  3.2,
  3.0,
  2.8,
  2.6,
  2.3, //                     50–57
]);
