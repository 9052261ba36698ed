/**
 * An SSE frame rendered once for every viewer: the UTF-8 bytes, and the same bytes as one HTTP/1.1
 * chunk (`<hex length>\r\n…\r\n`), so a chunked response gets one shared Buffer per write and
 * no per-viewer encoding. Written bytes are never modified, so any number of sockets may queue
 * the same Buffer.
 */
import type { Results } from '../domain/results.js';

export class SseFrame {
  readonly plain: Buffer;
  readonly chunked: Buffer;

  constructor(text: string) {
    this.plain = Buffer.from(text, 'utf8');
    const head = this.plain.length.toString(16) + '\r\n';
    this.chunked = Buffer.allocUnsafeSlow(head.length + this.plain.length + 2);
    this.chunked.write(head, 0, 'latin1');
    this.plain.copy(this.chunked, head.length);
    this.chunked.write('\r\n', head.length + this.plain.length, 'latin1');
  }
}

export function resultsText(r: Results): string {
  return `id: ${r.version}\nevent: results\ndata: ${JSON.stringify(r)}\n\n`;
}

export const HEARTBEAT = new SseFrame(': hb\n\n');
export const DELETED = new SseFrame('event: deleted\ndata: {}\n\n');
