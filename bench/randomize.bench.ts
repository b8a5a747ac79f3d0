import { drawAssignment, type DrawUnit } from '../assignment/draw.ts';
import { sha256, unitPreimage } from '../assignment/protocol.ts';
import { randomizeWave } from '../assignment/randomize-wave.ts';
import type { RosterStudent } from '../assignment/roster.ts';

const ARMS = [
  { name: 'control', probability: '0.5' },
  { name: 'treatment', probability: '0.5' },
];
const SEED = '5eed0000000000000000000000000001';

/** 1,000 districts × low income (Y/N) = 2,000 blocks; two siblings per household share it. */
export function syntheticRoster(students: number, perHousehold = 2): RosterStudent[] {
  const out: RosterStudent[] = new Array(students);
  const districts = 1000;
  for (let i = 0; i < students; i++) {
    const h = Math.floor(i / perHousehold);
    const d = h % districts;
    const leaid = String(3600000 + d).padStart(7, '0');
    out[i] = {
      studentId: i + 1,
      districtLeaid: leaid,
      sisId: `S${i}`,
      schoolKey: `sch${h % 7}`,
      schoolNcesId: null,
      householdKey: `H${h}`,
      grade: String(1 + (i % 12)).padStart(2, '0'),
      sex: i % 2 ? 'F' : 'M',
      raceEthnicity: null,
      englishLearner: (h * 7) % 10 === 0,
      disability: null,
      lowIncome: (Math.floor(h / districts) & 1) === 1,
      priorYearAbsenceRate: ((h * 37) % 100) / 400,
    };
  }
  return out;
}

function time<T>(label: string, fn: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = fn();
  const ms = performance.now() - t;
  console.log(`${label.padEnd(48)} ${ms.toFixed(0).padStart(7)} ms`);
  return { ms, value };
}

export async function run(args: string[]): Promise<void> {
  const students = Number(args.find((a) => a.startsWith('--students='))?.split('=')[1] ?? 1_000_000);
  const roster = syntheticRoster(students);
  const units: DrawUnit[] = [];
  for (let i = 0; i < roster.length; i += 2) {
    const s = roster[i];
    units.push({ key: `household:${s.districtLeaid}:${s.householdKey}`, blockKey: `${s.districtLeaid}|${s.lowIncome ? 'Y' : 'N'}` });
  }
  console.log(`${students} students, ${units.length} households, ${new Set(units.map((u) => u.blockKey)).size} blocks`);
  for (let rep = 0; rep < 3; rep++) {
    const floor = time('floor: SHA-256 of the unit preimages', () => {
      let x = 0;
      for (const u of units) x ^= sha256(unitPreimage(SEED, u.key))[0];
      return x;
    });
    const draw = time('pure: drawAssignment (order, counts, arms)', () => drawAssignment(SEED, units, ARMS));
    const wave = time('pure: randomizeWave (roster → record)', () =>
      randomizeWave({ seed: SEED, wave: 1, unit: 'household', arms: ARMS, blockBy: ['district', 'low_income'], students: roster }),
    );
    if (!wave.value.ok) throw new Error(wave.value.message);
    console.log(`ratio draw/floor ${(draw.ms / floor.ms).toFixed(2)}, wave/floor ${(wave.ms / floor.ms).toFixed(2)}`);
  }
}
