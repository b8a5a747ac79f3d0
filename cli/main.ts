import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config.ts';
import { AppError, exitCodeOf } from '../errors.ts';
import type { CliContext } from './context.ts';
import { registerInit } from './commands/init.ts';
import { registerStudy } from './commands/study.ts';
import { registerDistrict } from './commands/district.ts';
import { registerImport } from './commands/import.ts';
import { registerDemo } from './commands/demo.ts';
import { registerSynth } from './commands/synth.ts';
import { registerEstimate } from './commands/estimate.ts';
import { registerRandomize } from './commands/randomize.ts';
import { registerAssignments } from './commands/assignments.ts';
import { registerPlan } from './commands/plan.ts';
import { registerAnalyze } from './commands/analyze.ts';
import { registerDiagnose } from './commands/diagnose.ts';

/** One register function per command file; each adds its commands to the program. */
type Registrar = (program: Command, ctx: CliContext) => void;

const registrars: Registrar[] = [
  registerInit,
  registerStudy,
  registerDistrict,
  registerImport,
  registerDemo,
  registerSynth,
  registerEstimate,
  registerRandomize,
  registerAssignments,
  registerPlan,
  registerAnalyze,
  registerDiagnose,
];

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('pilot')
    .description(
      'Pilot: randomized pilot studies of school-attendance programs.\n' +
        'Embedded PostgreSQL (PGlite) in $PILOT_DATA_DIR (default ./.pilot) unless DATABASE_URL is set.',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  for (const register of registrars) register(program, ctx);
  return program;
}

/** Runs the CLI and returns the process exit code; never calls process.exit itself. */
export async function main(argv: string[], partial: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = {
    config: partial.config ?? loadConfig(),
    stdout: partial.stdout ?? process.stdout,
    stderr: partial.stderr ?? process.stderr,
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof AppError) {
      ctx.stderr.write(`error: ${error.message}\n`);
      const problems = (
        error.details as {
          problems?: { file: string; line: number; column: string | null; reason: string }[];
        }
      )?.problems;
      if (problems) {
        for (const p of problems)
          ctx.stderr.write(`  ${p.file}:${p.line}${p.column ? `:${p.column}` : ''}: ${p.reason}\n`);
      }
    } else {
      ctx.stderr.write(`internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    return exitCodeOf(error);
  }
}
