/**
 * The one rule for "who is the client": turns FREEWIRE_TRUST_PROXY (see src/config.ts) into the
 * trust function proxy-addr applies to the connection's peer and the X-Forwarded-For entries,
 * right to left. The client is the first address (from the right) that is not trusted.
 *
 * Fastify gets this function as its `trustProxy`, so request.ip (and with it every per-address
 * rate limit) follows it; the pixel's fast door in front of Fastify calls clientAddress() with
 * the same function, so both doors see the same reader.
 *
 * A function rather than Fastify's own number form: Fastify treats a number as "trust nothing"
 * (it cannot check the peer), and `true` as "trust every hop", which would make the leftmost
 * X-Forwarded-For entry (whatever the client wrote) the address.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { TrustProxy } from '../config.js';

export type TrustFunction = (address: string, hop: number) => boolean;

/** false when no proxy is trusted (Fastify then uses the socket's address without parsing headers). */
export function trustFunction(setting: TrustProxy): TrustFunction | false {
  if (setting === false || setting === 0) return false;
  if (typeof setting === 'number') {
    const hops = setting;
    // Hop 0 is the connection's peer; hops 0..n-1 are our own proxies.
    return (_address, hop) => hop < hops;
  }
  return proxyAddr.compile([...setting]);
}

/** The client's address by the same rule Fastify's request.ip follows. */
export function clientAddress(req: IncomingMessage, trust: TrustFunction | false): string {
  if (!trust) return req.socket.remoteAddress ?? '';
  return proxyAddr(req, trust);
}
