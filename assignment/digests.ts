import { createHash } from 'node:crypto';
import { sortCodePoints } from './protocol.ts';

/**
 * The two fingerprints of a randomization record (DESIGN.md §4 step 7). Both are SHA-256 (hex) of
 * UTF-8 text made of one line per row, each line ended by "\n" (the last one too), the lines sorted
 * in code-point order, so the row order of a roster never matters:
 *
 * - **assignment SHA-256**: one line `unit_key,arm` per unit randomized in the wave;
 * - **roster SHA-256**: one line `student_key,unit_key,block_key` per student registered in the wave
 *   (`block_key` is the block of the student's unit, the one the unit was randomized in; students who
 *   joined a unit randomized in an earlier wave are included with that unit's block).
 *
 * Example: units household:3600001:H1 → treatment and household:3600001:H2 → control hash the text
 * "household:3600001:H1,treatment\nhousehold:3600001:H2,control\n".
 */
export function assignmentSha256(rows: Iterable<{ unitKey: string; arm: string }>): string {
  const lines: string[] = [];
  for (const r of rows) lines.push(`${r.unitKey},${r.arm}`);
  return sortedLinesSha256(lines);
}

/** See {@link assignmentSha256} for the serialization. */
export function rosterSha256(
  rows: Iterable<{ studentKey: string; unitKey: string; blockKey: string }>,
): string {
  const lines: string[] = [];
  for (const r of rows) lines.push(`${r.studentKey},${r.unitKey},${r.blockKey}`);
  return sortedLinesSha256(lines);
}

/** SHA-256 hex of the lines sorted in code-point order, each followed by "\n". */
export function sortedLinesSha256(lines: string[]): string {
  sortCodePoints(lines);
  const hash = createHash('sha256');
  const CHUNK = 4096;
  for (let i = 0; i < lines.length; i += CHUNK) {
    const end = Math.min(i + CHUNK, lines.length);
    let text = '';
    for (let j = i; j < end; j++) text += `${lines[j]}\n`;
    hash.update(text, 'utf8');
  }
  return hash.digest('hex');
}
