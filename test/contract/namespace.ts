/** A fresh random namespace (key prefix, channel suffix) so contract tests never share state. */
import { randomBytes } from 'node:crypto';

export function newNamespace(): string {
  return 't' + randomBytes(6).toString('hex');
}
