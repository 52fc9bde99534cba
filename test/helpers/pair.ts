// Two connected plain TCP sockets on loopback, for codec tests that need a real stream.
import { createServer, connect, type Socket } from "node:net";

export async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => server.once("connection", r));
  const client = connect(port, "127.0.0.1");
  await new Promise((r) => client.once("connect", r));
  const s = await accepted;
  server.close();
  return [client, s];
}
