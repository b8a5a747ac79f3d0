import cliProgress from 'cli-progress';
import type { CliContext } from './context.ts';

/**
 * A progress bar on stderr when it is a terminal (nothing otherwise, so pipes and --json stay clean).
 * Returns the update function (with an optional short detail shown after the counts) and a stop
 * function. `items` names what is counted when the unit is not bytes.
 */
export function progressBar(
  ctx: CliContext,
  label: string,
  unit: 'bytes' | 'items' = 'bytes',
  items = '',
): { update: (done: number, total: number, detail?: string) => void; stop: () => void } {
  if (!ctx.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: ctx.stderr as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% | ${unit === 'bytes' ? '{doneMb}/{totalMb} MB' : `{value}/{total}${items ? ` ${items}` : ''}`}{detail} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    } as cliProgress.Options,
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, detail) {
      const payload = {
        doneMb: (done / 1e6).toFixed(1),
        totalMb: (total / 1e6).toFixed(1),
        detail: detail ? ` | ${detail}` : '',
      };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
