/**
 * PostgreSQL's binary COPY format (COPY … FROM STDIN WITH (FORMAT binary)): the server reads typed
 * values without parsing text, which makes a bulk load of typed columns about a third faster than
 * CSV. A stream is COPY_BINARY_HEADER, then tuples (int16 field count, then per field an int32 byte
 * length, or -1 for NULL, and the value in network byte order), then COPY_BINARY_TRAILER. The values
 * themselves are encoded by pure code (cohorts/imports/binary-values.ts); Session.copyBinary adds the framing.
 */

/** Signature "PGCOPY\n\377\r\n\0", flags (no OIDs), header extension length 0. */
export const COPY_BINARY_HEADER: Uint8Array = Buffer.concat([
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
  Buffer.alloc(8),
]);

export const COPY_BINARY_TRAILER: Uint8Array = Uint8Array.from([0xff, 0xff]);
