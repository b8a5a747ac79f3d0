import { normalizeLeaid, normalizeNcesSchoolId } from '../normalize/identifiers.ts';
import type { ImportLog } from './import-log.ts';
import { openTable } from './table.ts';
import type { OneRosterDistrict, OneRosterSchool } from './types.ts';
import type { ZipEntry } from './zip-entries.ts';

export interface Orgs {
  district: OneRosterDistrict | null;
  schools: OneRosterSchool[];
  /** Every org by sourcedId, with its type. */
  types: Map<string, string>;
}

const ORG_COLUMNS = [
  { name: 'sourcedId', required: true },
  { name: 'status' },
  { name: 'name', required: true },
  { name: 'type', required: true },
  { name: 'identifier' },
  { name: 'parentSourcedId' },
];

/**
 * Read `orgs.csv`: the one `district` org (several are refused: one district per import) and the
 * `school` orgs. `identifier` carries the NCES id: a 7-digit LEAID for the district, a 12-digit
 * NCESSCH for a school. A value that lost its leading zero is a problem; any other non-NCES value
 * is kept as `identifier` with a warning and a null NCES id.
 */
export function readOrgs(entry: ZipEntry, log: ImportLog): Orgs | null {
  const t = openTable(entry, ORG_COLUMNS, log);
  if (!t) return null;
  const types = new Map<string, string>();
  const lines = new Map<string, number>();
  const districts: Array<OneRosterDistrict & { line: number }> = [];
  const schools: OneRosterSchool[] = [];
  for (const r of t.records) {
    const sourcedId = t.get(r, 'sourcedId');
    if (sourcedId === '') {
      log.problem(t.file, r.line, t.label('sourcedId'), 'sourcedId is empty');
      continue;
    }
    const first = lines.get(sourcedId);
    if (first !== undefined) {
      log.problem(
        t.file,
        r.line,
        t.label('sourcedId'),
        `sourcedId '${sourcedId}' is used twice (first on line ${first})`,
      );
      continue;
    }
    lines.set(sourcedId, r.line);
    const type = t.get(r, 'type');
    types.set(sourcedId, type);
    const name = t.get(r, 'name');
    const identifier = t.get(r, 'identifier').trim();
    const parent = t.get(r, 'parentSourcedId');
    if (type === 'district') {
      districts.push({
        sourcedId,
        name,
        identifier,
        leaid: ncesOrNull(identifier, 'district', normalizeLeaid, t.file, r.line, log),
        line: r.line,
      });
    } else if (type === 'school') {
      const ncesId = ncesOrNull(identifier, 'school', (v) => normalizeNcesSchoolId(v), t.file, r.line, log);
      schools.push({
        sourcedId,
        name,
        identifier,
        ncesId,
        parentSourcedId: parent === '' ? null : parent,
        line: r.line,
      });
    }
  }
  if (districts.length > 1) {
    log.problem(
      t.file,
      districts[1].line,
      t.label('type'),
      `the file holds ${districts.length} district orgs (lines ${districts.map((d) => d.line).join(', ')}); import one district's roster at a time`,
    );
  }
  for (const s of schools) {
    if (s.parentSourcedId !== null && !types.has(s.parentSourcedId)) {
      log.problem(
        t.file,
        s.line,
        t.label('parentSourcedId'),
        `parentSourcedId '${s.parentSourcedId}' is not an org in orgs.csv`,
      );
    }
  }
  const d = districts[0];
  return {
    district: d ? { sourcedId: d.sourcedId, name: d.name, identifier: d.identifier, leaid: d.leaid } : null,
    schools,
    types,
  };
}

function ncesOrNull(
  identifier: string,
  kind: 'district' | 'school',
  normalize: (v: string) => { ok: true; value: string } | { ok: false; reason: string },
  file: string,
  line: number,
  log: ImportLog,
): string | null {
  if (identifier === '') return null;
  const r = normalize(identifier);
  if (r.ok) return r.value;
  const width = kind === 'district' ? 7 : 12;
  if ((/^\d+$/.test(identifier) && identifier.length < width) || /e\+/i.test(identifier)) {
    log.problem(file, line, 'identifier', r.reason);
  } else {
    log.warn(
      file,
      line,
      'identifier',
      `${kind} identifier '${identifier}' is not an NCES id (${width} digits); kept as the ${kind}'s identifier without an NCES id`,
      `orgs-identifier-${kind}`,
    );
  }
  return null;
}
