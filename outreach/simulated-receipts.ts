import type { Rng } from '../synth/random.ts';
import { addDays } from './school-year.ts';

/** Shares of simulated outcomes: most delivered, some failed, a few STOP replies (SMS only). */
export const RECEIPT_SHARES = { delivered: 0.9, failed: 0.07, stop: 0.01 } as const;

/**
 * Receipts a message center might send back for exported messages (the demo only): delivered,
 * failed, or a STOP reply for SMS, stamped between 08:00 and 18:00 UTC of the send_after day or the
 * next; about 2 % get no receipt. Pure: `rng` is a parameter.
 */
export function simulateReceipts(
  messages: readonly { id: number; channel: string; sendAfter: string }[],
  rng: Rng,
): string {
  let out = 'message_id,status,status_at,provider_ref\n';
  for (const m of messages) {
    const u = rng();
    const day = addDays(m.sendAfter, rng() < 0.7 ? 0 : 1);
    const hour = 8 + Math.floor(rng() * 10);
    const minute = Math.floor(rng() * 60);
    const at = `${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`;
    const ref = `sim-${m.id}`;
    if (u < RECEIPT_SHARES.delivered) out += `${m.id},delivered,${at},${ref}\n`;
    else if (u < RECEIPT_SHARES.delivered + RECEIPT_SHARES.failed) out += `${m.id},failed,${at},${ref}\n`;
    else if (u < RECEIPT_SHARES.delivered + RECEIPT_SHARES.failed + RECEIPT_SHARES.stop)
      out += m.channel === 'sms' ? `${m.id},STOP,${at},${ref}\n` : `${m.id},delivered,${at},${ref}\n`;
  }
  return out;
}
