import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { drawAssignment, type DrawUnit } from '../../../assignment/draw.ts';
import { randomizeWave } from '../../../assignment/randomize-wave.ts';
import type { RosterStudent } from '../../../assignment/roster.ts';

const RUNS = { numRuns: 150, seed: 4242 };

/** Arms with probabilities of at most 6 decimals summing to exactly 1. */
const armsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 999_999 }), { minLength: 1, maxLength: 4 })
  .map((cuts) => {
    const edges = [0, ...cuts.sort((a, b) => a - b), 1_000_000];
    return edges
      .slice(1)
      .map((e, k) => ({ name: `arm${k}`, probability: (e - edges[k]) / 1e6, millionths: e - edges[k] }));
  })
  .map((arms) => arms.map((a) => ({ name: a.name, probability: decimal(a.millionths), m: a.millionths })));

function decimal(millionths: number): string {
  return millionths === 1_000_000 ? '1' : `0.${String(millionths).padStart(6, '0')}`;
}

const unitsArb = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 60 })
  .chain((keys) =>
    fc.tuple(
      fc.constant(keys),
      fc.array(fc.constantFrom('b1', 'b2', 'b3', 'b|4', 'é'), {
        minLength: keys.length,
        maxLength: keys.length,
      }),
    ),
  )
  .map(([keys, blocks]) => keys.map((key, i) => ({ key, blockKey: blocks[i] })));

const armNames = (d: ReturnType<typeof drawAssignment>) => Array.from(d.armOf, (k) => d.arms[k]);

describe('drawAssignment properties', () => {
  it('counts per block are ⌊n·p⌋ or ⌈n·p⌉ and sum to n', () => {
    fc.assert(
      fc.property(fc.string(), unitsArb, armsArb, (seed, units, arms) => {
        const d = drawAssignment(seed, units, arms);
        for (const b of d.blocks) {
          const members = units.map((u, i) => [u, i] as const).filter(([u]) => u.blockKey === b.blockKey);
          expect(b.n).toBe(members.length);
          const observed = arms.map((_, k) => members.filter(([, i]) => d.armOf[i] === k).length);
          expect(observed).toEqual(b.counts);
          expect(observed.reduce((s, c) => s + c, 0)).toBe(b.n);
          arms.forEach((a, k) => {
            const exact = (b.n * a.m) / 1e6;
            expect(observed[k] === Math.floor(exact) || observed[k] === Math.ceil(exact)).toBe(true);
          });
        }
      }),
      RUNS,
    );
  });

  it('does not depend on the order of the units', () => {
    fc.assert(
      fc.property(fc.string(), unitsArb, armsArb, fc.infiniteStream(fc.nat()), (seed, units, arms, rand) => {
        const shuffled = [...units];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = rand.next().value % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        const a = drawAssignment(seed, units, arms);
        const b = drawAssignment(seed, shuffled, arms);
        const armOfB = new Map(shuffled.map((u, i) => [u.key, b.arms[b.armOf[i]]]));
        expect(units.map((u) => armOfB.get(u.key))).toEqual(armNames(a));
        expect(b.blocks).toEqual(a.blocks);
      }),
      RUNS,
    );
  });

  it('the same seed gives the same assignment; another seed (almost always) another one', () => {
    const units: DrawUnit[] = Array.from({ length: 40 }, (_, i) => ({
      key: `u${i}`,
      blockKey: i % 2 ? 'odd' : 'even',
    }));
    const arms = [
      { name: 'c', probability: '0.5' },
      { name: 't', probability: '0.5' },
    ];
    fc.assert(
      fc.property(fc.string(), fc.string(), (s1, s2) => {
        fc.pre(s1 !== s2);
        expect(armNames(drawAssignment(s1, units, arms))).toEqual(armNames(drawAssignment(s1, units, arms)));
        // Two 20-unit blocks split 10/10: C(20,10)² ≈ 3.4·10¹⁰ assignments, so a coincidence is ~3e-11.
        expect(armNames(drawAssignment(s2, units, arms))).not.toEqual(
          armNames(drawAssignment(s1, units, arms)),
        );
      }),
      RUNS,
    );
  });

  it('rejects a unit key listed twice in a block', () => {
    expect(() =>
      drawAssignment(
        's',
        [
          { key: 'a', blockKey: 'x' },
          { key: 'a', blockKey: 'x' },
        ],
        [
          { name: 'c', probability: '0.5' },
          { name: 't', probability: '0.5' },
        ],
      ),
    ).toThrow(RangeError);
  });
});

function student(i: number, household: number, block: string): RosterStudent {
  return {
    studentId: i,
    districtLeaid: '3600001',
    sisId: `S${i}`,
    schoolKey: 'sch1',
    schoolNcesId: '360000100001',
    householdKey: `H${household}`,
    grade: block,
    sex: null,
    raceEthnicity: null,
    englishLearner: null,
    disability: null,
    lowIncome: null,
    priorYearAbsenceRate: null,
  };
}

const rosterArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.constantFrom('01', '07', '10')), {
    minLength: 1,
    maxLength: 80,
  })
  .map((rows) => rows.map(([h, g], i) => student(i + 1, h, g)));

const ARMS3 = [
  { name: 'control', probability: '0.25' },
  { name: 'message', probability: '0.35' },
  { name: 'visit', probability: '0.4' },
];

describe('randomizeWave properties', () => {
  it('never splits a cluster, and shuffling roster rows changes nothing', () => {
    fc.assert(
      fc.property(
        rosterArb,
        fc.constantFrom('household', 'school', 'student') as fc.Arbitrary<'household' | 'school' | 'student'>,
        (roster, unit) => {
          const run = (students: RosterStudent[]) =>
            randomizeWave({ seed: 'prop', wave: 1, unit, arms: ARMS3, blockBy: ['grade_band'], students });
          const a = run(roster);
          const b = run([...roster].reverse());
          if (!a.ok || !b.ok) throw new Error('unexpected refusal');
          const armOfUnit = new Map<string, string>();
          for (const m of a.value.members) {
            expect(armOfUnit.get(m.unitKey) ?? m.arm).toBe(m.arm);
            armOfUnit.set(m.unitKey, m.arm);
          }
          const byStudent = (r: typeof a.value) => new Map(r.members.map((m) => [m.studentKey, m.arm]));
          expect(byStudent(b.value)).toEqual(byStudent(a.value));
          expect(b.value.assignmentSha256).toBe(a.value.assignmentSha256);
          expect(b.value.rosterSha256).toBe(a.value.rosterSha256);
        },
      ),
      RUNS,
    );
  });

  it("late enrollees (wave 2) leave earlier units unchanged and join their household's arm", () => {
    fc.assert(
      fc.property(rosterArb, rosterArb, (first, later) => {
        const wave2 = later.map((s, i) => ({ ...s, studentId: 1000 + i, sisId: `L${i}` }));
        const w1 = randomizeWave({
          seed: 'late',
          wave: 1,
          unit: 'household',
          arms: ARMS3,
          blockBy: ['grade'],
          students: first,
        });
        if (!w1.ok) throw new Error('refused');
        const before = new Map(w1.value.units.map((u) => [u.unitKey, u]));
        const w2 = randomizeWave({
          seed: 'late-wave-2-own-seed',
          wave: 2,
          unit: 'household',
          arms: ARMS3,
          blockBy: ['grade'],
          students: wave2,
          assignedUnits: before,
        });
        if (!w2.ok) throw new Error('refused');
        for (const u of w2.value.units) expect(before.has(u.unitKey)).toBe(false);
        for (const m of w2.value.members) {
          const earlier = before.get(m.unitKey);
          expect(m.inherited).toBe(earlier !== undefined);
          if (earlier) expect(m.arm).toBe(earlier.arm);
        }
        // The new units are drawn with the wave's own seed S_2, on their own.
        expect(w2.value.seedDerivation).toBe('S_2');
        const direct = drawAssignment(
          'late-wave-2-own-seed',
          w2.value.units.map((u) => ({ key: u.unitKey, blockKey: u.blockKey })),
          ARMS3,
        );
        expect(w2.value.units.map((u) => u.arm)).toEqual(armNames(direct));
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
