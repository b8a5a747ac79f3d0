import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config.ts';
import { AppError, exitCodeOf } from '../errors.ts';
import type { CliContext } from './context.ts';
import { flagsInMessage } from './options.ts';
/** One register function per command file; each adds its commands to the program. */
type Registrar = (program: Command, ctx: CliContext) => void;

/**
 * The top-level commands and the file that registers each. A command's module (and the services,
 * database drivers and statistics it imports) is loaded only when that command runs, so
 * `pilot --version` or `pilot estimate` do not pay for the others; `pilot --help` loads them all.
 */
const commands: Record<string, () => Promise<Registrar>> = {
  init: async () => (await import('./commands/init.ts')).registerInit,
  study: async () => (await import('./commands/study.ts')).registerStudy,
  district: async () => (await import('./commands/district.ts')).registerDistrict,
  import: async () => (await import('./commands/import.ts')).registerImport,
  demo: async () => (await import('./commands/demo.ts')).registerDemo,
  synth: async () => (await import('./commands/synth.ts')).registerSynth,
  estimate: async () => (await import('./commands/estimate.ts')).registerEstimate,
  randomize: async () => (await import('./commands/randomize.ts')).registerRandomize,
  assignments: async () => (await import('./commands/assignments.ts')).registerAssignments,
  token: async () => (await import('./commands/token.ts')).registerToken,
  audit: async () => (await import('./commands/audit.ts')).registerAudit,
  serve: async () => (await import('./commands/serve.ts')).registerServe,
};

/** The registrars a run needs: the named command's alone, none for --version, else all (help, typos). */
async function registrarsFor(argv: string[]): Promise<Registrar[]> {
  const args = argv.slice(2);
  const first = args.find((a) => !a.startsWith('-'));
  if (first !== undefined && Object.hasOwn(commands, first)) return [await commands[first]()];
  if (first === undefined && args.length > 0 && args.every((a) => a === '--version' || a === '-V')) return [];
  return Promise.all(Object.values(commands).map((load) => load()));
}

export function buildProgram(ctx: CliContext, registrars: Registrar[]): Command {
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
  const program = buildProgram(ctx, await registrarsFor(argv));
  // The command that ran, so a service's `field` names can be shown as its flags.
  let running: Command | undefined;
  program.hook('preAction', (_root, action) => {
    running = action;
  });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof AppError) {
      ctx.stderr.write(`error: ${flagsInMessage(error.message, running)}\n`);
      const problems = (
        error.details as {
          problems?: { file: string; line: number; column: string | null; reason: string }[];
        }
      )?.problems;
      if (problems) {
        for (const p of problems)
          ctx.stderr.write(
            `  ${p.file}:${p.line}${p.column ? `:${p.column}` : ''}: ${flagsInMessage(p.reason, running)}\n`,
          );
      }
    } else {
      ctx.stderr.write(`internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    return exitCodeOf(error);
  }
}
