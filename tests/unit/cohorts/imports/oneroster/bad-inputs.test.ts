import { describe, it, expect } from '@jest/globals';
import iconv from 'iconv-lite';
import { strToU8 } from 'fflate';
import type { InputProblem } from '../../../../../errors.ts';
import { parseOneRosterZip } from '../../../../../cohorts/imports/oneroster/parse-oneroster-zip.ts';
import type { OneRosterParseResult } from '../../../../../cohorts/imports/oneroster/types.ts';
import {
  rosterFiles11,
  rosterFiles12,
  zipBytes,
  zipRoster,
  type RosterFiles,
} from '../../../../fixtures/oneroster/sample-roster.ts';

const Z = 'oneroster.zip';

function parse(files: RosterFiles): OneRosterParseResult {
  return parseOneRosterZip(zipRoster(files), Z);
}

function problemsOf(result: OneRosterParseResult): InputProblem[] {
  if (result.ok) throw new Error('expected the roster to be refused');
  return result.problems;
}

function warningsOf(result: OneRosterParseResult): InputProblem[] {
  if (!result.ok)
    throw new Error(`expected a roster, got: ${result.problems.map((p) => p.reason).join('; ')}`);
  return result.warnings;
}

/** The fixture with one line of one file replaced (line numbers are 1-based, header = 1). */
function withLine(
  name: string,
  line: number,
  text: string,
  base: () => RosterFiles = rosterFiles11,
): RosterFiles {
  const files = base();
  const lines = files[name].split('\n');
  lines[line - 1] = text;
  files[name] = lines.join('\n');
  return files;
}

function edit(name: string, from: string, to: string, base: () => RosterFiles = rosterFiles11): RosterFiles {
  const files = base();
  if (!files[name].includes(from)) throw new Error(`fixture ${name} lacks ${from}`);
  files[name] = files[name].replace(from, to);
  return files;
}

describe('duplicate and split identities (7c.1)', () => {
  it('refuses the same sourcedId twice in users.csv', () => {
    const p = problemsOf(parse(edit('users.csv', 's4-b,', 's2,')));
    expect(p).toEqual([
      {
        file: `${Z}:users.csv`,
        line: 10,
        column: 'sourcedId',
        reason: expect.stringContaining("sourcedId 's2' is used twice (first on line 3)"),
      },
    ]);
  });

  it('refuses a duplicate org sourcedId', () => {
    const p = problemsOf(parse(edit('orgs.csv', 'sch2,,,Pine Hollow High', 'sch1,,,Pine Hollow High')));
    expect(p[0]).toMatchObject({ file: `${Z}:orgs.csv`, line: 4, column: 'sourcedId' });
  });

  it('merges by the state id in userIds when identifier is empty', () => {
    const files = edit(
      'users.csv',
      's4-b,,,true,sch1,student,dee.e2,,Dee,Example,,000104',
      's4-b,,,true,sch1,student,dee.e2,{state:ME0000101},Dee,Example,,',
    );
    const roster = parseOneRosterZip(zipRoster(files), Z);
    expect(roster.ok && roster.students.find((s) => s.sourcedId === 's1')!.sourcedIds).toEqual([
      's1',
      's4-b',
    ]);
    expect(
      warningsOf(roster).some((w) => w.reason.includes('grade') && w.reason.includes("'KG' is kept")),
    ).toBe(true);
  });
});

describe('vocabulary and format drift (7c.5)', () => {
  it.each([
    ['K', 'KG'],
    ['7', '07'],
    ['1st', '01'],
  ])('normalizes grade %p to %p with a warning at the row', (raw, code) => {
    const result = parse(edit('users.csv', ',000102,,,,,03,', `,000102,,,,,${raw},`));
    expect(result.ok && result.students.find((s) => s.sourcedId === 's2')!.grade).toBe(code);
    expect(warningsOf(result)).toContainEqual({
      file: `${Z}:users.csv`,
      line: 3,
      column: 'grades',
      reason: expect.stringContaining(`read as '${code}'`),
    });
  });

  it('refuses a nonsense grade and a grade Pilot does not enroll', () => {
    expect(
      problemsOf(parse(edit('users.csv', ',000102,,,,,03,', ',000102,,,,,Sophomore,')))[0],
    ).toMatchObject({ line: 3, column: 'grades', reason: expect.stringContaining('not a grade level') });
    expect(problemsOf(parse(edit('users.csv', ',000102,,,,,03,', ',000102,,,,,TK,')))[0]).toMatchObject({
      line: 3,
      column: 'grades',
      reason: expect.stringContaining('PK, KG or 01–12'),
    });
    expect(problemsOf(parse(edit('users.csv', ',000102,,,,,03,', ',000102,,,,,,')))[0]).toMatchObject({
      line: 3,
      column: 'grades',
      reason: expect.stringContaining('no grade'),
    });
  });

  it('refuses an NCES school id and a LEAID that lost their leading zero', () => {
    const school = problemsOf(parse(edit('orgs.csv', ',230000100002,', ',30000100002,')));
    expect(school[0]).toMatchObject({
      file: `${Z}:orgs.csv`,
      line: 4,
      column: 'identifier',
      reason: expect.stringContaining('leading zero'),
    });
    const district = problemsOf(parse(edit('orgs.csv', ',2300001,', ',300001,')));
    expect(district[0]).toMatchObject({
      line: 2,
      column: 'identifier',
      reason: expect.stringContaining("did you mean '0300001'"),
    });
  });

  it('keeps a non-NCES school identifier with a warning and no NCES id', () => {
    const result = parse(edit('orgs.csv', ',230000100002,', ',PHHS,'));
    expect(result.ok && result.schools[1].ncesId).toBeNull();
    expect(warningsOf(result)).toContainEqual(expect.objectContaining({ line: 4, column: 'identifier' }));
  });

  it('refuses MM/DD/YYYY dates, naming the expected format', () => {
    const p = problemsOf(
      parse(
        edit(
          'enrollments.csv',
          'e3,,,c9,sch2,s3,student,,2025-08-25,',
          'e3,,,c9,sch2,s3,student,,08/25/2025,',
        ),
      ),
    );
    expect(p).toEqual([
      {
        file: `${Z}:enrollments.csv`,
        line: 4,
        column: 'beginDate',
        reason: expect.stringContaining('MM/DD/YYYY; dates must be YYYY-MM-DD'),
      },
    ]);
    const birth = problemsOf(parse(edit('demographics.csv', 's2,,,2017-11-02', 's2,,,2017-02-30')));
    expect(birth[0]).toMatchObject({ file: `${Z}:demographics.csv`, line: 3, column: 'birthDate' });
  });

  it('refuses Windows-1252 text with file, line and column', () => {
    const files = edit('users.csv', 'Ben,Synthetic', 'Benoît,Synthetic');
    const entries: Record<string, Uint8Array> = {};
    for (const [name, text] of Object.entries(files))
      entries[name] = name === 'users.csv' ? new Uint8Array(iconv.encode(text, 'win1252')) : strToU8(text);
    const p = problemsOf(parseOneRosterZip(zipBytes(entries), Z));
    expect(p).toEqual([
      {
        file: `${Z}:users.csv`,
        line: 3,
        column: 'character 35',
        reason: expect.stringContaining('Windows-1252, where byte EE is "î"'),
      },
    ]);
  });

  it('refuses a UTF-16 file', () => {
    const files = rosterFiles11();
    const entries: Record<string, Uint8Array> = {};
    for (const [name, text] of Object.entries(files)) entries[name] = strToU8(text);
    entries['orgs.csv'] = new Uint8Array([0xff, 0xfe, ...iconv.encode(files['orgs.csv'], 'utf16le')]);
    expect(problemsOf(parseOneRosterZip(zipBytes(entries), Z))[0]).toMatchObject({
      file: `${Z}:orgs.csv`,
      line: 1,
      reason: expect.stringContaining('UTF-16'),
    });
  });

  it('accepts a UTF-8 byte-order mark on every file', () => {
    const files = rosterFiles11();
    for (const name of Object.keys(files)) files[name] = `\ufeff${files[name]}`;
    expect(parse(files).ok).toBe(true);
  });

  it("warns once per file when 'status' is filled in a bulk export", () => {
    let files = edit('users.csv', 's1,,,true', 's1,active,,true');
    files = edit('users.csv', 's2,,,true', 's2,active,,true', () => files);
    const w = warningsOf(parse(files)).filter((x) => x.column === 'status');
    expect(w).toEqual([
      {
        file: `${Z}:users.csv`,
        line: 2,
        column: 'status',
        reason: expect.stringMatching(/manifest says bulk.*\(line 2 and 1 more like it\)/),
      },
    ]);
  });

  it('accepts the aliases real exporters write (userId, agents, userSourcedId, birthdate) with warnings', () => {
    let files = edit('users.csv', ',userIds,', ',userId,');
    files = edit('users.csv', ',agentSourcedIds,', ',agents,', () => files);
    files = edit(
      'demographics.csv',
      'sourcedId,status,dateLastModified,birthDate',
      'userSourcedId,status,dateLastModified,birthdate',
      () => files,
    );
    const result = parse(files);
    const w = warningsOf(result);
    for (const alias of ['userId', 'agents', 'userSourcedId', 'birthdate']) {
      expect(w).toContainEqual(
        expect.objectContaining({
          line: 1,
          column: alias,
          reason: expect.stringContaining('not a OneRoster column name'),
        }),
      );
    }
    expect(result.ok && result.guardians.find((g) => g.sourcedId === 'g1')!.studentSourcedIds.length).toBe(2);
    expect(result.ok && result.students[0].birthDate).toBe('2020-03-14');
  });

  it('treats headers case-sensitively and says so', () => {
    const p = problemsOf(parse(edit('users.csv', 'sourcedId,status', 'SourcedId,status')));
    expect(p).toEqual([
      {
        file: `${Z}:users.csv`,
        line: 1,
        column: 'SourcedId',
        reason: expect.stringContaining('case-sensitive'),
      },
    ]);
  });

  it('reads race flags 1/0 with a warning and refuses other values', () => {
    const ok = parse(
      edit('demographics.csv', 's3,,,2011-06-30,female,false,false,true', 's3,,,2011-06-30,female,0,0,1'),
    );
    expect(ok.ok && ok.students[2].raceEthnicity).toBe('BL7');
    expect(warningsOf(ok)).toContainEqual(
      expect.objectContaining({ line: 4, column: 'blackOrAfricanAmerican' }),
    );
    const bad = problemsOf(
      parse(
        edit(
          'demographics.csv',
          's3,,,2011-06-30,female,false,false,true',
          's3,,,2011-06-30,female,false,false,maybe',
        ),
      ),
    );
    expect(bad[0]).toMatchObject({
      file: `${Z}:demographics.csv`,
      line: 4,
      column: 'blackOrAfricanAmerican',
    });
  });

  it('refuses an unknown sex value at its cell', () => {
    expect(problemsOf(parse(edit('demographics.csv', '2017-11-02,male', '2017-11-02,Q')))[0]).toMatchObject({
      line: 3,
      column: 'sex',
    });
  });
});

describe('caregiver integrity (7c.6)', () => {
  it('refuses agentSourcedIds pointing at a missing user', () => {
    const p = problemsOf(parse(edit('users.csv', ',g2,09,', ',g9,09,')));
    expect(p).toEqual([
      {
        file: `${Z}:users.csv`,
        line: 4,
        column: 'agentSourcedIds',
        reason: expect.stringContaining("'g9', which is not a user"),
      },
    ]);
  });

  it('refuses agentSourcedIds pointing at a user who is not a caregiver', () => {
    const p = problemsOf(parse(edit('users.csv', ',g2,09,', ',"g2,t1",09,')));
    expect(p).toEqual([
      {
        file: `${Z}:users.csv`,
        line: 4,
        column: 'agentSourcedIds',
        reason: expect.stringContaining("role is 'teacher', not parent, guardian or relative"),
      },
    ]);
  });

  it('refuses a caregiver whose agents are not students', () => {
    const p = problemsOf(parse(edit('users.csv', '207-555-0134,s2,', '207-555-0134,"s2,g2",')));
    expect(p[0]).toMatchObject({
      line: 6,
      column: 'agentSourcedIds',
      reason: expect.stringContaining("a caregiver's agents must be students"),
    });
  });

  it('uses the alias name in the column of an agent problem', () => {
    let files = edit('users.csv', ',agentSourcedIds,', ',agents,');
    files = edit('users.csv', ',g2,09,', ',g9,09,', () => files);
    expect(problemsOf(parse(files))[0]).toMatchObject({ line: 4, column: 'agents' });
  });

  it('leaves out an invalid phone number with a warning', () => {
    const result = parse(edit('users.csv', '+1 207 555 0199', '555-0199'));
    expect(result.ok && result.guardians[1].phone).toBeNull();
    expect(warningsOf(result)).toContainEqual(
      expect.objectContaining({ line: 7, column: 'phone', reason: expect.stringContaining("'555-0199'") }),
    );
  });
});

describe('packaging and structure', () => {
  it('refuses a delta export', () => {
    const p = problemsOf(parse(edit('manifest.csv', 'file.users,bulk', 'file.users,delta')));
    expect(p).toEqual([
      {
        file: `${Z}:manifest.csv`,
        line: 18,
        column: 'value',
        reason: expect.stringContaining('bulk (complete) OneRoster exports only'),
      },
    ]);
  });

  it('refuses an unsupported version and a zip without a manifest', () => {
    expect(
      problemsOf(parse(edit('manifest.csv', 'oneroster.version,1.1', 'oneroster.version,1.0')))[0],
    ).toMatchObject({ line: 3, column: 'value' });
    const files = rosterFiles11();
    delete files['manifest.csv'];
    expect(problemsOf(parse(files))[0]).toMatchObject({
      file: Z,
      line: 0,
      reason: expect.stringContaining('no manifest.csv'),
    });
  });

  it('refuses a file the manifest lists as bulk but the zip lacks', () => {
    const files = rosterFiles11();
    delete files['enrollments.csv'];
    expect(problemsOf(parse(files))[0]).toMatchObject({
      file: Z,
      reason: expect.stringContaining('enrollments.csv is missing'),
    });
  });

  it('refuses something that is not a zip', () => {
    const r = parseOneRosterZip(strToU8('student_id,school_id\n'), 'roster.zip');
    expect(problemsOf(r)[0]).toMatchObject({
      file: 'roster.zip',
      line: 0,
      reason: expect.stringContaining('not a readable zip'),
    });
  });

  it('reads files inside one folder of the zip', () => {
    const r = parseOneRosterZip(zipRoster(rosterFiles11(), 'export-2025/'), Z);
    expect(r.ok && r.students.length).toBe(4);
    const bad = parseOneRosterZip(zipRoster(edit('users.csv', 's4-b,', 's2,'), 'export-2025/'), Z);
    expect(problemsOf(bad)[0].file).toBe(`${Z}:export-2025/users.csv`);
  });

  it('refuses a ragged row, naming the first missing column', () => {
    const p = problemsOf(
      parse(withLine('users.csv', 4, 's3,,,true,sch2,student,cal.t,,Cal,Testcase,,000103')),
    );
    expect(p).toEqual([
      {
        file: `${Z}:users.csv`,
        line: 4,
        column: 'email',
        reason: expect.stringContaining('12 fields but the header has 18'),
      },
    ]);
  });

  it('refuses a student in an org that orgs.csv lacks, and two districts', () => {
    expect(problemsOf(parse(edit('users.csv', 's2,,,true,sch1,', 's2,,,true,sch7,')))[0]).toMatchObject({
      line: 3,
      column: 'orgSourcedIds',
      reason: expect.stringContaining("'sch7'"),
    });
    const two = problemsOf(
      parse(edit('orgs.csv', 'sch2,,,Pine Hollow High,school', 'sch2,,,Pine Hollow High,district')),
    );
    expect(two[0]).toMatchObject({
      line: 4,
      column: 'type',
      reason: expect.stringContaining('2 district orgs'),
    });
  });

  it('refuses an enrollment of an unknown user', () => {
    expect(
      problemsOf(parse(edit('enrollments.csv', 'e3,,,c9,sch2,s3,', 'e3,,,c9,sch2,s33,')))[0],
    ).toMatchObject({ file: `${Z}:enrollments.csv`, line: 4, column: 'userSourcedId' });
  });

  it("refuses a second demographics row for one student, counting a merged student's other sourcedIds", () => {
    const files = edit('demographics.csv', 'g1,,,1990-01-01', 's4,,,2010-01-01');
    files['demographics.csv'] +=
      's4-b,,,2010-01-01,female,false,false,false,false,true,false,false,US,ME,,\n';
    const p = problemsOf(parse(files));
    expect(p).toEqual([
      {
        file: `${Z}:demographics.csv`,
        line: 6,
        column: 'sourcedId',
        reason: expect.stringContaining("second demographics row for student 's4' (first on line 5)"),
      },
    ]);
  });
});

describe('OneRoster 1.2 roles', () => {
  it('reads role and orgs from users.csv when roles.csv is absent, with a warning', () => {
    const files = rosterFiles11();
    files['manifest.csv'] = files['manifest.csv'].replace('oneroster.version,1.1', 'oneroster.version,1.2');
    const w = warningsOf(parse(files));
    expect(w).toContainEqual(
      expect.objectContaining({ column: 'role', reason: expect.stringContaining('roles.csv') }),
    );
  });

  it('refuses 1.2 users without roles.csv and without a role column', () => {
    const files = rosterFiles12();
    delete files['roles.csv'];
    files['manifest.csv'] = files['manifest.csv'].replace('file.roles,bulk\n', '');
    expect(problemsOf(parse(files)).map((p) => p.column)).toEqual(['orgSourcedIds', 'role']);
  });

  it('refuses a role row for an unknown user and a second primary role', () => {
    const unknown = problemsOf(parse(edit('roles.csv', 'r3,,,s3,', 'r3,,,s33,', rosterFiles12)));
    expect(unknown[0]).toMatchObject({ file: `${Z}:roles.csv`, line: 4, column: 'userSourcedId' });
    const twoPrimary = problemsOf(
      parse(edit('roles.csv', 'r10,,,t1,secondary', 'r10,,,t1,primary', rosterFiles12)),
    );
    expect(twoPrimary[0]).toMatchObject({ file: `${Z}:roles.csv`, line: 11, column: 'roleType' });
  });
});

describe('many problems', () => {
  it('lists the first 500 problems and counts the rest', () => {
    const files = rosterFiles11();
    for (let i = 0; i < 620; i++) files['users.csv'] += `s2,,,true,sch1,student,x${i},,X,Y,,9${i},,,,,03,\n`;
    const p = problemsOf(parse(files));
    expect(p).toHaveLength(501);
    expect(p[0]).toMatchObject({ line: 11, column: 'sourcedId' });
    expect(p[500].reason).toBe('... and 120 more problems');
  });
});
