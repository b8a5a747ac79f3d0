#!/usr/bin/env python3
"""Third-party verifier of Pilot's randomization protocol pilot-v1 (Python standard library only).

Re-derives every assignment from an exported roster and the revealed seed, exactly as DESIGN.md §4
publishes the protocol, and checks it against the arms in the roster and the randomization record.

  pilot assignments export --study S --out roster.csv
  pilot randomize show --study S --json > record.json
  python3 scripts/verify_assignment.py roster.csv --record record.json
  python3 scripts/verify_assignment.py roster.csv --seed HEX --arms control=0.5,treatment=0.5 \
      [--wave-seed 2=HEX ...]

roster.csv has the columns unit_key,student_id,district_leaid,block_key,arm,wave (one row per student;
block_key is the block of the student's unit, wave the wave the student joined in). Prints "verified"
and exits 0, or prints each mismatch and exits 1.

Each wave has its own seed: wave 1 the study seed S (its commitment H(S) published when the study was
created), a late wave w >= 2 its own seed S_w (H(S_w) published when the wave was opened, before its
late enrollees were registered; S_w revealed when the wave was randomized). The record from
`pilot randomize show --json` carries each wave's seed and commitment; both are checked. (Records of
an earlier draft, seed derivation `S + "|wave<w>"`, are re-derived with that seed.)

The protocol, for a wave randomized with seed S, H = SHA-256 of UTF-8:
  1. order each block's units by H("pilot-v1|" + S + "|unit|" + unit_key) as an unsigned big-endian
     integer (ties by key in code-point order);
  2. c_k = floor(n p_k); the R = n - sum c_k leftover places go by systematic sampling on the
     fractional parts laid end to end on [0, R) with offset u = first 8 bytes of
     H("pilot-v1|" + S + "|block|" + block_key) / 2^64: an arm gets one more place when its interval
     holds one of u, u+1, ..., u+R-1 (exact integer arithmetic, scaled by 10^6 * 2^64);
  3. the first c_1 units get arm 1, the next c_2 arm 2, and so on.
Fingerprints: SHA-256 of lines "unit_key,arm" (assignment) or "student_key,unit_key,block_key"
(roster; student_key = "student:" + district_leaid + ":" + student_id), each followed by "\\n",
sorted in code-point order.
"""
import argparse
import csv
import hashlib
import json
import re
import sys

ALGORITHM = "pilot-v1"
MILLION = 10**6
TWO_64 = 2**64


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).digest()


def wave_seed(study_seed, wave, record_wave=None, given=None):
    """The seed wave `wave` was drawn with and a problem (or None): from its record when there is one,
    else the study seed for wave 1 and the --wave-seed given for a later wave."""
    if record_wave is not None:
        derivation = record_wave.get("seed_derivation", "S")
        if derivation == "S":
            return study_seed, None
        if derivation == 'S + "|wave%d"' % wave:  # the earlier draft: derived from S
            return "%s|wave%d" % (study_seed, wave), None
        if derivation != "S_%d" % wave:
            return None, "wave %d: seed derivation %r is not one pilot-v1 defines" % (wave, derivation)
        seed = (given or {}).get(wave) or record_wave.get("seed")
        if not seed:
            return None, "wave %d: its seed is not revealed in the record (--wave-seed %d=HEX)" % (wave, wave)
        commitment = record_wave.get("seed_commitment")
        if not commitment or hashlib.sha256(seed.encode("utf-8")).hexdigest() != commitment:
            return seed, ("wave %d: the seed does not match the commitment %s published when the wave was opened"
                          % (wave, commitment))
        return seed, None
    if wave == 1:
        return study_seed, None
    seed = (given or {}).get(wave)
    if not seed:
        return None, "wave %d: give its own seed (--wave-seed %d=HEX) or --record" % (wave, wave)
    return seed, None


def millionths(probability):
    if not re.fullmatch(r"[01](\.\d{1,6})?", probability):
        raise ValueError("probability %r must be a decimal with at most 6 places" % probability)
    whole, _, frac = probability.partition(".")
    return int(whole) * MILLION + int(frac.ljust(6, "0"))


def block_counts(n, probs, seed, block_key):
    """Arm counts of a block of n units (probs in millionths, declared order)."""
    counts = [n * p // MILLION for p in probs]
    fractions = [n * p % MILLION for p in probs]
    leftover = n - sum(counts)
    offset = int.from_bytes(sha256("%s|%s|block|%s" % (ALGORITHM, seed, block_key))[:8], "big")
    points = [offset * MILLION + j * MILLION * TWO_64 for j in range(leftover)]
    lo = 0
    for k, f in enumerate(fractions):
        hi = lo + f
        if any(lo * TWO_64 <= t < hi * TWO_64 for t in points):
            counts[k] += 1
        lo = hi
    return counts


def draw(seed, units, arms):
    """units: list of (unit_key, block_key); arms: list of (name, probability string).
    Returns ({unit_key: arm}, {block_key: [counts]})."""
    probs = [millionths(p) for _, p in arms]
    if sum(probs) != MILLION:
        raise ValueError("arm probabilities do not sum to 1")
    blocks = {}
    for key, block in units:
        blocks.setdefault(block, []).append(key)
    assignment, tallies = {}, {}
    prefix = "%s|%s|unit|" % (ALGORITHM, seed)
    for block, keys in blocks.items():
        keys.sort(key=lambda k: (int.from_bytes(sha256(prefix + k), "big"), k))
        counts = block_counts(len(keys), probs, seed, block)
        tallies[block] = counts
        position = 0
        for (name, _), c in zip(arms, counts):
            for key in keys[position:position + c]:
                assignment[key] = name
            position += c
    return assignment, tallies


def lines_sha256(lines):
    return hashlib.sha256("".join(line + "\n" for line in sorted(lines)).encode("utf-8")).hexdigest()


def verify(rows, seed, arms, record=None, only_wave=None, wave_seeds=None):
    """Returns a list of mismatch messages (empty when everything re-derives). seed is the study seed S;
    each later wave's seed comes from the record, or from wave_seeds ({wave: seed})."""
    problems = []
    by_wave = {}
    for r in rows:
        by_wave.setdefault(int(r["wave"]), []).append(r)
    records = {int(x["wave"]): x for x in (record or {}).get("randomizations", [])}
    earlier = {}  # unit_key -> arm from earlier waves
    for wave in sorted(by_wave):
        members = by_wave[wave]
        units, arm_seen = {}, {}
        for r in members:
            key = r["unit_key"]
            if key in earlier:
                if r["arm"] != earlier[key]:
                    problems.append("wave %d: student %s of unit %s has arm %s, the unit was assigned %s"
                                    % (wave, r["student_id"], key, r["arm"], earlier[key]))
                continue
            if units.setdefault(key, r["block_key"]) != r["block_key"]:
                problems.append("wave %d: unit %s has two block keys" % (wave, key))
            if arm_seen.setdefault(key, r["arm"]) != r["arm"]:
                problems.append("wave %d: unit %s is split between arms" % (wave, key))
        if only_wave is not None and wave != only_wave:
            earlier.update(arm_seen)
            continue
        if record is not None and wave not in records:
            problems.append("wave %d is in the roster but not in the record" % wave)
            earlier.update(arm_seen)
            continue
        seed_w, problem = wave_seed(seed, wave, records.get(wave), wave_seeds)
        if problem:
            problems.append(problem)
        if seed_w is None:
            earlier.update(arm_seen)
            continue
        derived, tallies = draw(seed_w, list(units.items()), arms)
        for key in sorted(units):
            if derived[key] != arm_seen[key]:
                problems.append("wave %d: unit %s is %s in the roster, the protocol gives %s"
                                % (wave, key, arm_seen[key], derived[key]))
        if wave in records:
            rec = records[wave]
            assignment_sha = lines_sha256(["%s,%s" % (k, derived[k]) for k in units])
            roster_sha = lines_sha256(["student:%s:%s,%s,%s" % (r["district_leaid"], r["student_id"], r["unit_key"],
                                                                 r["block_key"]) for r in members])
            if assignment_sha != rec["assignment_sha256"]:
                problems.append("wave %d: assignment SHA-256 %s, the record says %s" % (wave, assignment_sha, rec["assignment_sha256"]))
            if roster_sha != rec["roster_sha256"]:
                problems.append("wave %d: roster SHA-256 %s, the record says %s" % (wave, roster_sha, rec["roster_sha256"]))
            names = [a for a, _ in arms]
            for b in rec.get("block_counts", []):
                want = [b["counts"][a] for a in names]
                if tallies.get(b["block_key"]) != want:
                    problems.append("wave %d: block %r counts %s, the record says %s"
                                    % (wave, b["block_key"], tallies.get(b["block_key"]), want))
        earlier.update(arm_seen)
    return problems


def golden_vectors():
    """The golden vectors of tests/fixtures/assignment-vectors.json, computed by this file."""
    cases = []

    def case(name, seed, arms, units, note=""):
        assignment, tallies = draw(seed, units, arms)
        cases.append({
            "name": name, "note": note, "seed": seed,
            "arms": [{"name": a, "probability": p} for a, p in arms],
            "units": [{"key": k, "block": b} for k, b in units],
            "expected": {
                "arms": [assignment[k] for k, _ in units],
                "block_counts": [{"block": b, "counts": tallies[b]} for b in sorted(tallies)],
                "assignment_sha256": lines_sha256(["%s,%s" % (k, assignment[k]) for k, _ in units]),
            },
        })

    half = [("control", "0.5"), ("treatment", "0.5")]
    case("hand-checked: 4 units, 1 block, 1/2", "pilot", half, [("u%d" % i, "") for i in range(1, 5)],
         "n p = 2 exactly: no leftover; the two smallest hashes get control")
    case("hand-checked: 3 units, 1 block, 1/2", "pilot", half, [("u%d" % i, "b") for i in range(1, 4)],
         "c = (1, 1), R = 1, f = (0.5, 0.5): u < 0.5 gives control the extra place")
    case("two blocks, 1/2", "0123456789abcdef0123456789abcdef", half,
         [("household:3600001:H%d" % i, "3600001|PK-05" if i % 3 else "3600001|06-08") for i in range(20)])
    case("three unequal arms", "a1b2c3d4e5f60718293a4b5c6d7e8f90",
         [("control", "0.2"), ("text", "0.3"), ("visit", "0.5")],
         [("student:3600002:%d" % i, "B%d" % (i % 3)) for i in range(31)])
    case("six-place thirds, blocks of 1 to 10", "seed-thirds",
         [("a", "0.333333"), ("b", "0.333333"), ("c", "0.333334")],
         [("k%d-%d" % (b, i), "size%d" % b) for b in range(1, 11) for i in range(b)])
    case("rare arm 0.1", "rare", [("control", "0.9"), ("treatment", "0.1")],
         [("s%03d" % i, "all") for i in range(25)])
    case("wave 2, its own seed", "5b2e9f0c7d1a4e8f9a3c6b0d2e4f6a81", half,
         [("household:3600001:L%d" % i, "3600001") for i in range(7)],
         "a late wave is drawn with its own seed S_2 (committed when the wave was opened), never "
         "S + '|wave2'; the study seed of this example is 0123456789abcdef0123456789abcdef")
    cases[-1].update({
        "wave": 2,
        "study_seed": "0123456789abcdef0123456789abcdef",
        "seed_commitment": hashlib.sha256(cases[-1]["seed"].encode("utf-8")).hexdigest(),
    })
    case("unicode keys", "unicodé", [("control", "0.4"), ("treatment", "0.6")],
         [("student:3600003:Zoë%d" % i, "bloc-é|😀") for i in range(6)] + [("student:3600003:\U0001F600", "solo")])
    return {
        "protocol": ALGORITHM,
        "provenance": "python3 scripts/verify_assignment.py --golden-vectors (Python standard library "
                      "implementation of DESIGN.md §4); the two hand-checked cases are worked in "
                      "tests/unit/assignment/golden-vectors.test.ts",
        "cases": cases,
    }


def parse_arms(text):
    arms = []
    for part in text.split(","):
        name, _, p = part.partition("=")
        arms.append((name.strip(), p.strip()))
    return arms


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("roster", nargs="?", help="CSV from `pilot assignments export`")
    ap.add_argument("--record", help="JSON from `pilot randomize show --json` (seed, arms, fingerprints)")
    ap.add_argument("--seed", help="the revealed seed (instead of --record)")
    ap.add_argument("--arms", help="arms in declared order, e.g. control=0.5,treatment=0.5 (instead of --record)")
    ap.add_argument("--wave", type=int, help="verify this wave only")
    ap.add_argument("--wave-seed", action="append", default=[], metavar="W=HEX",
                    help="the revealed seed of late wave W (instead of --record; repeat for each wave)")
    ap.add_argument("--golden-vectors", action="store_true", help="print the golden test vectors as JSON")
    args = ap.parse_args(argv)
    if args.golden_vectors:
        print(json.dumps(golden_vectors(), indent=2, ensure_ascii=False))
        return 0
    if not args.roster:
        ap.error("a roster CSV is required")
    record = None
    if args.record:
        with open(args.record, encoding="utf-8") as f:
            record = json.load(f)
    seed = args.seed or (record or {}).get("seed")
    arms = parse_arms(args.arms) if args.arms else [(a["name"], a["probability"]) for a in (record or {}).get("arms", [])]
    if not seed or not arms:
        ap.error("give --record, or --seed and --arms")
    problems = []
    if record and record.get("seed_commitment") and hashlib.sha256(seed.encode("utf-8")).hexdigest() != record["seed_commitment"]:
        problems.append("the seed does not match the published commitment %s" % record["seed_commitment"])
    with open(args.roster, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    wave_seeds = {}
    for item in args.wave_seed:
        w, _, hex_seed = item.partition("=")
        if not w.strip().isdigit() or not hex_seed.strip():
            ap.error("--wave-seed takes W=HEX, e.g. 2=5b2e9f0c7d1a4e8f9a3c6b0d2e4f6a81")
        wave_seeds[int(w)] = hex_seed.strip()
    problems += verify(rows, seed, arms, record, args.wave, wave_seeds)
    if problems:
        for p in problems:
            print(p)
        return 1
    print("verified")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
