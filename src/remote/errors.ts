// A broken stream or message: the connection it came from cannot be trusted any more.
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}
