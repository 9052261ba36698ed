/**
 * Request ids for log lines: the caller's `X-Request-Id` when it is a plain token (a load balancer
 * or a client correlating), else `<process prefix>-<counter>`, unique across a fleet without a
 * random draw per request.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTED = /^[\w.:-]{1,64}$/;

export function requestIdGenerator(): (req: IncomingMessage) => string {
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return (req) => {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && ACCEPTED.test(given)) return given;
    return `${prefix}-${(++n).toString(36)}`;
  };
}
