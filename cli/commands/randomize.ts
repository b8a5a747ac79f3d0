import type { Command } from 'commander';
import {
  randomizeStudy,
  showRandomization,
  verifyRandomization,
  type RandomizeResult,
} from '../../assignment/assignment.service.ts';
import { openWave } from '../../assignment/open-wave.service.ts';
import {
  randomizationShowJson,
  randomizeJson,
  verificationJson,
} from '../../assignment/randomization-json.ts';
import type { BlockCount } from '../../assignment/randomize-wave.ts';
import { AppError } from '../../errors.ts';
import { print, printJson, type CliContext } from '../context.ts';
import { withDatabase } from '../database.ts';
import { option, parseOptions, z } from '../options.ts';

const randomizeSchema = z.object({
  study: option.slug,
  wave: option.positiveInteger.optional(),
  json: option.flag,
});
// `randomize verify --study S`: commander gives --study to the parent command, so subcommands read
// their options merged with the parent's (optsWithGlobals).
const studySchema = z.object({ study: option.slug, json: option.flag });

export function registerRandomize(program: Command, ctx: CliContext): void {
  const randomize = program
    .command('randomize')
    .description(
      'randomize a study (protocol pilot-v1): locked, audited, reproducible from the revealed seed',
    )
    .option('--study <slug>', 'study slug')
    .option('--wave <n>', 'late enrollees: the next wave (2, 3, …), opened first by `randomize open-wave`')
    .option('--json', 'machine-readable output')
    .action(async (raw: unknown) => {
      const o = parseOptions(randomizeSchema, raw);
      const r = await withDatabase(ctx, (db) =>
        randomizeStudy(db, { study: o.study, wave: o.wave, actor: ctx.config.actor }),
      );
      if (o.json) printJson(ctx, randomizeJson(r));
      else printRandomize(ctx, r);
    });

  randomize
    .command('verify')
    .description(
      're-derive every assignment from the stored roster and the seed; non-zero exit on any mismatch',
    )
    .option('--study <slug>', 'study slug')
    .option('--json', 'machine-readable output')
    .action(async (_o: unknown, command: Command) => {
      const o = parseOptions(studySchema, command.optsWithGlobals());
      const r = await withDatabase(ctx, (db) => verifyRandomization(db, o.study));
      if (o.json) printJson(ctx, verificationJson(r));
      else if (r.mismatches.length === 0) print(ctx, 'verified');
      else
        for (const m of r.mismatches)
          print(ctx, `mismatch${m.wave === null ? '' : ` (wave ${m.wave})`}: ${m.message}`);
      if (r.mismatches.length > 0) {
        throw new AppError(
          'VERIFY_FAILED',
          `${r.mismatches.length} mismatch(es): the stored assignment is not what pilot-v1 gives`,
        );
      }
    });

  randomize
    .command('open-wave')
    .description(
      'open the next late wave: commit its own seed (publish the printed SHA-256) before registering its enrollees',
    )
    .option('--study <slug>', 'study slug')
    .option('--seed <hex>', 'the wave seed, 32 to 128 hex digits (default: 128 random bits)')
    .option('--json', 'machine-readable output')
    .action(async (_o: unknown, command: Command) => {
      const o = parseOptions(openWaveSchema, command.optsWithGlobals());
      const r = await withDatabase(ctx, (db) =>
        openWave(db, { study: o.study, seed: o.seed, actor: ctx.config.actor }),
      );
      if (o.json)
        return printJson(ctx, {
          study: r.study,
          wave: r.wave,
          seed_commitment: r.seedCommitment,
          opened_at: r.openedAt.toISOString(),
        });
      print(ctx, `opened ${r.study} wave ${r.wave}; its seed stays sealed until the wave is randomized`);
      print(ctx, `seed commitment (publish it now) ${r.seedCommitment}`);
      print(
        ctx,
        `register the wave's late enrollees, then: pilot randomize --study ${r.study} --wave ${r.wave}`,
      );
    });

  randomize
    .command('show')
    .description(
      'the randomization record: seed (once revealed), commitment, algorithm, block counts, fingerprints',
    )
    .option('--study <slug>', 'study slug')
    .option('--json', 'machine-readable output')
    .action(async (_o: unknown, command: Command) => {
      const o = parseOptions(studySchema, command.optsWithGlobals());
      const r = await withDatabase(ctx, (db) => showRandomization(db, o.study));
      const json = randomizationShowJson(r);
      if (o.json) return printJson(ctx, json);
      print(
        ctx,
        `${r.study}: ${r.algorithm}, ${r.unit} units, arms ${r.arms.map((a) => `${a.name} ${a.probability}`).join(', ')}; block by ${r.blockBy.join(', ') || '(none)'}`,
      );
      print(ctx, `seed commitment ${r.seedCommitment}; seed ${r.seed ?? '(sealed until randomization)'}`);
      for (const w of r.openWaves)
        print(
          ctx,
          `wave ${w.wave} open since ${w.openedAt.toISOString()}: seed sealed, commitment ${w.seedCommitment}`,
        );
      for (const w of r.randomizations) {
        print(
          ctx,
          `wave ${w.wave} (seed ${w.seedDerivation}) locked ${w.lockedAt.toISOString()} by ${w.actor}: ${w.units} units, ${w.students} students`,
        );
        if (w.wave > 1)
          print(
            ctx,
            `  wave seed ${w.seed ?? '(sealed)'}, committed ${w.seedCommittedAt?.toISOString() ?? '(derived from S: earlier draft)'} as ${w.seedCommitment ?? '–'}`,
          );
        print(ctx, `  roster SHA-256 ${w.rosterSha256}\n  assignment SHA-256 ${w.assignmentSha256}`);
        printBlocks(
          ctx,
          w.blockCounts,
          w.arms.map((a) => a.name),
        );
      }
    });
}

const openWaveSchema = z.object({ study: option.slug, seed: option.text.optional(), json: option.flag });

function printBlocks(ctx: CliContext, blocks: BlockCount[], arms: string[]): void {
  const width = Math.max(5, ...blocks.map((b) => b.blockKey.length + 2));
  print(
    ctx,
    `  ${'block'.padEnd(width)}${'units'.padStart(7)}${arms.map((a) => a.padStart(Math.max(10, a.length + 2))).join('')}`,
  );
  for (const b of blocks) {
    print(
      ctx,
      `  ${(b.blockKey || '(all)').padEnd(width)}${String(b.n).padStart(7)}${arms.map((a) => String(b.counts[a]).padStart(Math.max(10, a.length + 2))).join('')}`,
    );
  }
}

function printRandomize(ctx: CliContext, r: RandomizeResult): void {
  print(
    ctx,
    `randomized ${r.study} wave ${r.wave} by ${r.algorithm} v${r.version}: ${r.units} units, ${r.students} students` +
      (r.inheritedStudents ? ` (${r.inheritedStudents} joined units randomized earlier)` : ''),
  );
  print(ctx, `roster SHA-256 ${r.rosterSha256}\nassignment SHA-256 ${r.assignmentSha256}`);
  print(
    ctx,
    `${r.wave === 1 ? 'the seed' : `wave ${r.wave}'s seed`} is now revealed: \`pilot randomize show --study ${r.study}\``,
  );
  print(ctx, '\ncounts by block and arm');
  printBlocks(ctx, r.blocks, Object.keys(r.blocks[0]?.counts ?? {}));
  print(
    ctx,
    '\nbalance over students: SMD vs control (WWC: |SMD| ≤ .05 satisfies, ≤ .25 requires adjustment, > .25 fails)',
  );
  for (const c of r.balance) {
    print(ctx, `  ${c.arm} vs ${c.control}`);
    for (const row of c.overall) {
      const name = row.level === null ? row.covariate : `${row.covariate}=${row.level}`;
      const smd = row.smd.kind === 'ok' ? row.smd.smd.toFixed(3).padStart(8) : '       –';
      const band =
        row.smd.kind === 'ok'
          ? row.smd.band.replace('_', ' ')
          : `undefined (${row.smd.reason.replace('_', ' ')})`;
      print(ctx, `    ${name.padEnd(34)}${fmt(row.meanTreatment)}${fmt(row.meanControl)}${smd}  ${band}`);
    }
  }
  for (const s of r.balanceSummary) {
    print(
      ctx,
      `  ${s.arm}: ${s.bands.satisfies} satisfy, ${s.bands.requires_adjustment} require adjustment, ${s.bands.fails} fail, ${s.bands.undefined} undefined (per-district tables: --json)`,
    );
  }
  for (const w of r.warnings) print(ctx, `warning (${w.code}): ${w.message}`);
}

function fmt(x: number): string {
  return (Number.isFinite(x) ? x.toFixed(3) : '–').padStart(10);
}
