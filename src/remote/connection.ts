// One peer connection, either side: bytes in → frames → (bunzip2) → XML elements, in order;
// XML elements out → header record, then payload record(s), one message at a time.
// The write discipline matters: Pacemaker's reader loses data when two messages share a TLS
// record or when a header and its payload arrive in one record (see README).
import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import type { XmlElement } from "../cib/xml.js";
import { FrameReader, type Frame } from "./frame-reader.js";
import { MAX_MESSAGE_SIZE, PROTOCOL_VERSION, encodeHeader, nextMessageId } from "./header.js";
import { bunzip2 } from "./bzip2.js";
import { decodePayload, encodePayload } from "./xml-message.js";
import { ProtocolError } from "./errors.js";

export interface ConnectionEvents {
  message: [XmlElement];
  /** A message that was dropped but did not break the stream (e.g. newer version). */
  warning: [string];
  /** The stream is unusable; the connection is being closed. */
  protocolError: [ProtocolError];
  close: [];
}

export class Connection extends EventEmitter<ConnectionEvents> {
  private readonly reader = new FrameReader();
  private readonly outbox: Buffer[][] = [];
  private writing = false;
  private inbox: Frame[] = [];
  private unpacking = false;
  private dead = false;
  private closeEmitted = false;

  constructor(readonly socket: Duplex) {
    super();
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("close", () => this.onClose());
    socket.on("error", () => {
      // "close" follows; the owner learns about the loss from that.
    });
  }

  get closed(): boolean {
    return this.dead;
  }

  /** Queue a message. Returns false when the connection is already gone. */
  send(root: XmlElement): boolean {
    if (this.dead) return false;
    const payload = encodePayload(root);
    if (payload.length + 40 > MAX_MESSAGE_SIZE) throw new ProtocolError(`refusing to send a ${payload.length}-byte message (limit ${MAX_MESSAGE_SIZE})`);
    this.outbox.push([encodeHeader(payload.length, nextMessageId()), payload]);
    if (!this.writing) this.flush();
    return true;
  }

  /** Resolves once everything queued so far has been handed to the socket. */
  drained(): Promise<void> {
    if (!this.writing || this.dead) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (!this.writing || this.dead ? resolve() : setTimeout(check, 5));
      check();
    });
  }

  close(): void {
    if (this.dead) return;
    this.socket.end();
    // A peer that never answers our close must not keep the socket forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private flush(): void {
    const next = this.outbox.shift();
    if (!next || this.dead) {
      this.writing = false;
      return;
    }
    this.writing = true;
    const [header, payload] = next;
    // Each write waits for the previous one's callback, so no two writes merge into a record.
    this.socket.write(header, (err) => {
      if (err || this.dead) return this.failWrite();
      this.socket.write(payload, (err2) => {
        if (err2 || this.dead) return this.failWrite();
        this.flush();
      });
    });
  }

  private failWrite(): void {
    this.writing = false;
    this.outbox.length = 0;
  }

  private onData(chunk: Buffer): void {
    if (this.dead) return;
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      return this.fail(err as ProtocolError);
    }
    for (const f of frames) {
      if (this.unpacking || f.header.payloadCompressed > 0) {
        this.inbox.push(f);
        if (!this.unpacking) void this.drainInbox();
      } else {
        this.deliver(f, f.payload);
      }
      if (this.dead) return;
    }
  }

  // Compressed messages are unpacked asynchronously; later messages wait so order is kept.
  private async drainInbox(): Promise<void> {
    this.unpacking = true;
    while (this.inbox.length > 0 && !this.dead) {
      const f = this.inbox.shift()!;
      let payload = f.payload;
      if (f.header.payloadCompressed > 0) {
        try {
          payload = await bunzip2(f.payload, f.header.payloadUncompressed, MAX_MESSAGE_SIZE);
        } catch (err) {
          if (f.header.version > PROTOCOL_VERSION) {
            this.emit("warning", `dropped a version ${f.header.version} message that could not be unpacked: ${(err as Error).message}`);
            continue;
          }
          return this.fail(err as ProtocolError);
        }
      }
      this.deliver(f, payload);
    }
    this.unpacking = false;
  }

  private deliver(f: Frame, payload: Buffer): void {
    let root: XmlElement;
    try {
      root = decodePayload(payload);
    } catch (err) {
      // A newer protocol version may carry something we cannot read: drop it, keep going.
      if (f.header.version > PROTOCOL_VERSION) {
        this.emit("warning", `dropped an unreadable version ${f.header.version} message: ${(err as Error).message}`);
        return;
      }
      return this.fail(err as ProtocolError);
    }
    this.emit("message", root);
  }

  private fail(err: ProtocolError): void {
    if (this.dead) return;
    this.emit("protocolError", err instanceof ProtocolError ? err : new ProtocolError(String(err)));
    this.dead = true;
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.dead = true;
    this.writing = false;
    this.outbox.length = 0;
    this.emit("close");
  }
}
