// The 40-byte binary header in front of every message. Fields are in the sender's byte
// order; the magic tells the receiver which one that was.
import { ProtocolError } from "./errors.js";

export const HEADER_SIZE = 40;
export const MAGIC = 0xbadadbbd;
const MAGIC_SWAPPED = 0xbddbdaba;
export const PROTOCOL_VERSION = 1;
/** Largest message we accept or send (header + payload, and also the unpacked payload). */
export const MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

export interface Header {
  /** True when the sender's byte order differs from ours (the magic arrived byte-swapped). */
  swapped: boolean;
  version: number;
  id: bigint;
  flags: bigint;
  sizeTotal: number;
  payloadOffset: number;
  /** Bytes of bzip2 data, or 0 when the payload is plain. */
  payloadCompressed: number;
  /** Length of the plain payload, including its terminating NUL. */
  payloadUncompressed: number;
}

/** Reads the header at the start of `buf` (at least HEADER_SIZE bytes). Throws ProtocolError. */
export function decodeHeader(buf: Buffer): Header {
  if (buf.length < HEADER_SIZE) throw new ProtocolError(`truncated header: ${buf.length} bytes`);
  const le = buf.readUInt32LE(0);
  let little: boolean;
  if (le === MAGIC) little = true;
  else if (le === MAGIC_SWAPPED) little = false;
  else throw new ProtocolError(`bad magic 0x${le.toString(16).padStart(8, "0")}: not a Pacemaker remote message (or the stream is out of sync)`);
  const u32 = (o: number) => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u64 = (o: number) => (little ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o));
  return {
    swapped: !little,
    version: u32(4),
    id: u64(8),
    flags: u64(16),
    sizeTotal: u32(24),
    payloadOffset: u32(28),
    payloadCompressed: u32(32),
    payloadUncompressed: u32(36),
  };
}

/** Checks what the header promises against our limits, before any payload is buffered. */
export function checkHeader(h: Header): void {
  if (h.sizeTotal > MAX_MESSAGE_SIZE) throw new ProtocolError(`message of ${h.sizeTotal} bytes exceeds the ${MAX_MESSAGE_SIZE}-byte limit`);
  if (h.payloadUncompressed > MAX_MESSAGE_SIZE) throw new ProtocolError(`payload that unpacks to ${h.payloadUncompressed} bytes exceeds the ${MAX_MESSAGE_SIZE}-byte limit`);
  if (h.sizeTotal < HEADER_SIZE) throw new ProtocolError(`message size ${h.sizeTotal} is smaller than the header`);
  if (h.payloadOffset < HEADER_SIZE || h.payloadOffset > h.sizeTotal) throw new ProtocolError(`payload offset ${h.payloadOffset} outside the message (size ${h.sizeTotal})`);
  const room = h.sizeTotal - h.payloadOffset;
  const needed = h.payloadCompressed > 0 ? h.payloadCompressed : h.payloadUncompressed;
  if (needed > room) throw new ProtocolError(`payload of ${needed} bytes does not fit in a message of ${h.sizeTotal} bytes at offset ${h.payloadOffset}`);
}

/** A little-endian header for a plain payload of `payloadLength` bytes (NUL included). */
export function encodeHeader(payloadLength: number, id: bigint): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(PROTOCOL_VERSION, 4);
  b.writeBigUInt64LE(id, 8);
  b.writeBigUInt64LE(0n, 16);
  b.writeUInt32LE(HEADER_SIZE + payloadLength, 24);
  b.writeUInt32LE(HEADER_SIZE, 28);
  b.writeUInt32LE(0, 32);
  b.writeUInt32LE(payloadLength, 36);
  return b;
}

// One counter per process, as Pacemaker does: the id means nothing to the peer.
let nextId = 0n;
export function nextMessageId(): bigint {
  nextId += 1n;
  return nextId;
}
