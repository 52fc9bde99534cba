// Splits a byte stream into messages by their size_total. The stream arrives in arbitrary
// chunks (several messages per chunk, or one message over many chunks).
import { HEADER_SIZE, checkHeader, decodeHeader, type Header } from "./header.js";

export interface Frame {
  header: Header;
  /** The payload bytes as sent (bzip2 data when header.payloadCompressed > 0). */
  payload: Buffer;
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending?: Header;

  /** Add bytes; returns every message completed by them. Throws ProtocolError on garbage. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (!this.pending) {
        if (this.buffered < HEADER_SIZE) break;
        const h = decodeHeader(this.peek(HEADER_SIZE));
        checkHeader(h);
        this.pending = h;
      }
      const h = this.pending;
      if (this.buffered < h.sizeTotal) break;
      const msg = this.take(h.sizeTotal);
      const length = h.payloadCompressed > 0 ? h.payloadCompressed : h.payloadUncompressed;
      frames.push({ header: h, payload: msg.subarray(h.payloadOffset, h.payloadOffset + length) });
      this.pending = undefined;
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const msg = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return msg;
  }
}
