/**
 * The browser's side of `pollcast verify`: recomputes a receipt's Merkle path with WebCrypto
 * (the same scheme as src/domain/receipt-merkle.ts, sha256-merkle-v1; docs/voting.md).
 */
export interface ProofStep {
  side: 'left' | 'right';
  hash: string;
}

const hex = (b: ArrayBuffer): string => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
const bytes = (h: string): Uint8Array => new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)));

async function sha(prefix: number, ...parts: Uint8Array[]): Promise<ArrayBuffer> {
  const all = new Uint8Array(1 + parts.reduce((n, p) => n + p.length, 0));
  all[0] = prefix;
  let at = 1;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return crypto.subtle.digest('SHA-256', all);
}

export async function verifyInclusion(receiptId: string, optionIds: readonly string[], proof: readonly ProofStep[], root: string): Promise<boolean> {
  let h = new Uint8Array(await sha(0, new TextEncoder().encode(`${receiptId}\n${optionIds.join(',')}`)));
  for (const step of proof) {
    if (!/^[0-9a-f]{64}$/.test(step.hash)) return false;
    const sib = bytes(step.hash);
    h = new Uint8Array(step.side === 'left' ? await sha(1, sib, h) : await sha(1, h, sib));
  }
  return hex(h.buffer) === root.trim().toLowerCase();
}
