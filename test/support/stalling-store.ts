/**
 * A DynamoDB Local that stalls, for real: an HTTP proxy in front of it that forwards every request
 * at once (DynamoDB Local applies it) and holds back the answer of the calls it is told to stall,
 * every attempt the SDK makes of them, past the client's request timeout, as a JVM paused in a
 * collection on a loaded machine does. A call the application sends again (a new SDK invocation)
 * is answered.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Stall {
  /** The operation (`BatchWriteItem`, `Query`, …), from the request's X-Amz-Target. */
  operation: string;
  /** Only requests whose JSON body passes this (default: all of the operation's). */
  match?: (body: string) => boolean;
  /** How many SDK invocations (a call and its retries by the SDK) to stall, the first ones that match. */
  calls: number;
}

export interface StallingStore {
  /** The endpoint to give clientConfig: the store's, with this proxy's host and port. */
  endpoint: string;
  /** Requests whose answer was held back (every attempt of each stalled call). */
  readonly stalled: number;
  /** Requests received, by operation. */
  requests(operation: string): number;
  /** Stalls the next `calls` matching calls; their answers are held `holdMs` after DynamoDB Local gave them. */
  stall(stall: Stall): void;
  /** Forgets every stall (the calls stalled stay counted). */
  clear(): void;
  close(): Promise<void>;
}

export async function stallingStore(target: string, holdMs: number): Promise<StallingStore> {
  const upstream = new URL(target);
  const stalls: (Stall & { invocations: Set<string> })[] = [];
  let stalled = 0;
  const requests = new Map<string, number>();
  const held = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      requests.set(operation, (requests.get(operation) ?? 0) + 1);
      const invocation = String(req.headers['amz-sdk-invocation-id'] ?? '');
      const stall = stalls.find(
        (s) =>
          s.operation === operation &&
          (s.invocations.has(invocation) || (s.invocations.size < s.calls && (s.match?.(body.toString('utf8')) ?? true))),
      );
      stall?.invocations.add(invocation);
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer: IncomingMessage) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const reply = () => {
              if (res.destroyed) return;
              res.writeHead(answer.statusCode ?? 500, answer.headers);
              res.end(Buffer.concat(parts));
            };
            if (!stall) return reply();
            stalled++;
            const timer = setTimeout(() => {
              held.delete(timer);
              reply();
            }, holdMs);
            held.add(timer);
          });
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
    // The client gives up on a held answer and closes its socket: nothing to do.
    res.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = new URL(target);
  endpoint.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: endpoint.toString().replace(/\/$/, ''),
    get stalled() {
      return stalled;
    },
    requests: (operation) => requests.get(operation) ?? 0,
    stall(stall) {
      stalls.push({ ...stall, invocations: new Set() });
    },
    clear() {
      stalls.length = 0;
    },
    async close() {
      for (const timer of held) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
