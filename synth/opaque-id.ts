/**
 * A stable opaque identifier (16 hex digits) derived from a text, as SIS exporters derive OneRoster
 * sourcedIds from natural keys. Two FNV-1a 32-bit hashes with different offsets; not cryptographic
 * and not meant to be: it only has to be deterministic and look unlike the SIS number.
 *
 * @example opaqueId('0112345:student:004512') // → 16 lowercase hex digits, always the same
 */
export function opaqueId(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193) >>> 0;
    b = (b ^ (b >>> 13)) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
