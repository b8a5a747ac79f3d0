import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Db } from '../db/connection.ts';
import { createApp } from './app.ts';

export interface RunningServer {
  port: number;
  server: Server;
  /** Stops accepting connections, lets requests in flight finish, then resolves. */
  close(): Promise<void>;
}

/** Listens on port (0 = any free port). */
export async function startServer(
  db: Db,
  o: { port: number; host?: string; logger: Logger; trustProxy?: number },
): Promise<RunningServer> {
  const app = createApp({ db, logger: o.logger, trustProxy: o.trustProxy });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(o.port, o.host ?? '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(s),
    );
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 10 * 60_000; // large uploads
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
