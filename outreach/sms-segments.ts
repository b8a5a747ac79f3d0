/**
 * SMS length in segments (3GPP TS 23.038 / 23.040). A text whose every character is in the GSM 03.38
 * default alphabet (or its extension table, which costs two septets: an escape and the character) is
 * sent as GSM-7: 160 septets in one segment, 153 per segment when concatenated (the user data header
 * takes 7). Any other character, such as the Spanish á, í, ó, ú, forces UCS-2 for the whole text: 70
 * UTF-16 code units in one segment, 67 per segment when concatenated. A segment never splits an
 * escape pair or a surrogate pair, so counting is greedy rather than a plain division.
 *
 * @example smsSegments('Hola') // { encoding: 'gsm7', units: 4, segments: 1 }
 * @example smsSegments('Días').encoding // 'ucs2' (í is not in GSM 03.38)
 */
export interface SmsLength {
  encoding: 'gsm7' | 'ucs2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

/** Septets of one character in GSM-7, or 0 when it is not in the alphabet. */
function septets(ch: string): number {
  if (BASIC.has(ch)) return 1;
  if (EXTENSION.has(ch)) return 2;
  return 0;
}

/** Segments of a text whose code points cost `cost` each, cut greedily at `multi` when over `single`. */
function pack(
  text: string,
  total: number,
  cost: (ch: string) => number,
  single: number,
  multi: number,
): number {
  if (total <= single) return total === 0 ? 0 : 1;
  let segments = 1;
  let used = 0;
  for (const ch of text) {
    const c = cost(ch);
    if (used + c > multi) {
      segments++;
      used = 0;
    }
    used += c;
  }
  return segments;
}

const utf16Units = (ch: string) => ch.length;

export function smsSegments(text: string): SmsLength {
  // one pass for the encoding and the septets, one more only for a text over one segment
  let units = 0;
  for (const ch of text) {
    const c = septets(ch);
    if (c === 0)
      return { encoding: 'ucs2', units: text.length, segments: pack(text, text.length, utf16Units, 70, 67) };
    units += c;
  }
  return { encoding: 'gsm7', units, segments: pack(text, units, septets, 160, 153) };
}
