/**
 * A real WebSub hub stand-in over node:http: it records each publish ping (`hub.url`), and while
 * it is held it answers none of them (a hung hub: the connection stays open); release() answers
 * every held ping and every later one at once with 204.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Ping {
  topic: string;
  /** In arrival order, from 0. */
  seq: number;
  answered: boolean;
}

export interface Hub {
  url: string;
  pings: Ping[];
  held: () => number;
  answered: () => Ping[];
  /** Called on each ping as it arrives, before it is held or answered. */
  onPing?: (ping: Ping) => Promise<void> | void;
  release(): void;
  stop(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

export async function startHub(options: { held: boolean }): Promise<Hub> {
  let holding = options.held;
  const waiting: [Ping, ServerResponse][] = [];
  const pings: Ping[] = [];
  const answer = (ping: Ping, res: ServerResponse) => {
    if (res.destroyed) return; // the publisher gave up on it (its deadline)
    ping.answered = true;
    res.writeHead(204).end();
  };
  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const ping: Ping = { topic: new URLSearchParams(body).get('hub.url') ?? '', seq: pings.length, answered: false };
      pings.push(ping);
      await hub.onPing?.(ping);
      if (holding) waiting.push([ping, res]);
      else answer(ping, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hub: Hub = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`,
    pings,
    held: () => waiting.filter(([, res]) => !res.destroyed).length,
    answered: () => pings.filter((p) => p.answered),
    release() {
      holding = false;
      for (const [ping, res] of waiting.splice(0)) answer(ping, res);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return hub;
}
