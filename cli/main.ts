import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config.ts';
import { AppError, exitCodeOf } from '../errors.ts';
import { createLogger, type DestinationStream } from '../logger.ts';
import type { CliContext } from './context.ts';
import { flagsInMessage } from './options.ts';

/** One register function per command file; each adds its commands to the program. */
type Registrar = (program: Command, ctx: CliContext) => void;

/** Each command file's register function, loaded on demand. */
const load = {
  init: async () => (await import('./commands/init.ts')).registerInit,
  study: async () => (await import('./commands/study.ts')).registerStudy,
  district: async () => (await import('./commands/district.ts')).registerDistrict,
  import: async () => (await import('./commands/import.ts')).registerImport,
  demo: async () => (await import('./commands/demo.ts')).registerDemo,
  synth: async () => (await import('./commands/synth.ts')).registerSynth,
  estimate: async () => (await import('./commands/estimate.ts')).registerEstimate,
  eventStudy: async () => (await import('./commands/event-study.ts')).registerEventStudy,
  randomize: async () => (await import('./commands/randomize.ts')).registerRandomize,
  assignments: async () => (await import('./commands/assignments.ts')).registerAssignments,
  // outreach adds its own commands and `import receipts|visits`, so it follows `import`
  outreach: async () => (await import('./commands/outreach.ts')).registerOutreach,
  plan: async () => (await import('./commands/plan.ts')).registerPlan,
  analyze: async () => (await import('./commands/analyze.ts')).registerAnalyze,
  token: async () => (await import('./commands/token.ts')).registerToken,
  audit: async () => (await import('./commands/audit.ts')).registerAudit,
  serve: async () => (await import('./commands/serve.ts')).registerServe,
  diagnose: async () => (await import('./commands/diagnose.ts')).registerDiagnose,
} satisfies Record<string, () => Promise<Registrar>>;
type Loader = (typeof load)[keyof typeof load];

/**
 * The top-level commands and the files that register each, in order. A command's modules (and the
 * services, database drivers and statistics they import) are loaded only when that command runs,
 * so `pilot --version` or `pilot estimate` do not pay for the others; `pilot --help` loads them all.
 */
const withOutreach = [load.import, load.outreach];
const commands: Record<string, Loader[]> = {
  init: [load.init],
  study: [load.study],
  district: [load.district],
  import: withOutreach,
  demo: [load.demo],
  synth: [load.synth],
  estimate: [load.estimate],
  'event-study': [load.eventStudy],
  randomize: [load.randomize],
  assignments: [load.assignments],
  program: withOutreach,
  template: withOutreach,
  messages: withOutreach,
  alerts: withOutreach,
  tasks: withOutreach,
  visits: withOutreach,
  fidelity: withOutreach,
  plan: [load.plan],
  analyze: [load.analyze],
  report: [load.analyze],
  token: [load.token],
  audit: [load.audit],
  serve: [load.serve],
  diagnose: [load.diagnose],
};

/** The top-level command names, in `--help` order. */
export const COMMAND_NAMES: readonly string[] = Object.keys(commands);

/** The registrars a run needs: the named command's alone, none for --version, else all (help, typos). */
async function registrarsFor(argv: string[]): Promise<Registrar[]> {
  const args = argv.slice(2);
  const first = args.find((a) => !a.startsWith('-'));
  if (first === undefined && args.length > 0 && args.every((a) => a === '--version' || a === '-V')) return [];
  const loaders =
    first !== undefined && Object.hasOwn(commands, first) ? commands[first] : Object.values(load);
  return Promise.all(loaders.map((f) => f()));
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
  const log = createLogger(ctx.config, ctx.stderr as DestinationStream);
  const started = performance.now();
  // The command that ran, so a service's `field` names can be shown as its flags.
  let running: Command | undefined;
  program.hook('preAction', (_root, action) => {
    running = action;
  });
  const done = (exitCode: number, error?: unknown): number => {
    const command = running ? commandPath(running) : null;
    const ms = Math.round(performance.now() - started);
    if (error !== undefined) log.error({ command, exit_code: exitCode, ms, err: error }, 'internal error');
    else log.info({ command, exit_code: exitCode, ms }, 'command finished');
    return exitCode;
  };
  try {
    await program.parseAsync(argv);
    return done(0);
  } catch (error) {
    if (error instanceof CommanderError) return done(error.exitCode);
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
      return done(exitCodeOf(error));
    }
    ctx.stderr.write(`internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return done(exitCodeOf(error), error);
  }
}

/** `randomize verify` for the verify subcommand of randomize. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
