/**
 * `pollcast verify <receipt.json> [--root <hex>]`: checks, offline, that a vote is included in a
 * closed poll's commitment. The file is the answer of GET /v1/receipts/{receiptId} (receipt id,
 * options, proof, commitment). `--root` is the root you kept when the poll closed (from
 * GET /v1/polls/{id}/commitment, or published elsewhere); without it the answer's own copy is used,
 * which proves inclusion but not that the root was the one published at close.
 * Exit status: 0 included, 1 not included, 2 unusable input.
 */
import { readFileSync } from 'node:fs';
import { verifyInclusion, type ProofStep } from './domain/receipt-merkle.js';

interface ReceiptFile {
  receiptId: string;
  optionIds: string[];
  proof: ProofStep[];
  commitment: { root: string; count: number; pollId: string };
}

function parse(text: string): ReceiptFile | string {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const r = j as Partial<ReceiptFile>;
  if (!r || typeof r.receiptId !== 'string') return 'no receiptId';
  if (!Array.isArray(r.optionIds) || !r.optionIds.every((o) => typeof o === 'string')) return 'no optionIds (was the vote counted?)';
  if (!Array.isArray(r.proof)) return 'no proof (is the poll closed, and its results visible?)';
  if (!r.commitment || typeof r.commitment.root !== 'string') return 'no commitment';
  return r as ReceiptFile;
}

export function runVerify(path: string, root: string | undefined, write: (s: string) => void): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    write(`pollcast verify: cannot read ${path}: ${(err as Error).message}\n`);
    return 2;
  }
  const r = parse(text);
  if (typeof r === 'string') {
    write(`pollcast verify: ${path}: ${r}\n`);
    return 2;
  }
  if (root !== undefined && !/^[0-9a-fA-F]{64}$/.test(root)) {
    write('pollcast verify: --root must be 64 hex digits\n');
    return 2;
  }
  const against = root ?? r.commitment.root;
  const ok = verifyInclusion(r.receiptId, r.optionIds, r.proof, against);
  if (root !== undefined && root.toLowerCase() !== r.commitment.root.toLowerCase()) {
    write(`note: the answer's commitment (${r.commitment.root}) differs from --root\n`);
  }
  if (!ok) {
    write(`NOT INCLUDED: receipt ${r.receiptId} with options [${r.optionIds.join(', ')}] does not lead to root ${against}\n`);
    return 1;
  }
  write(`included: receipt ${r.receiptId} with options [${r.optionIds.join(', ')}] is one of the ${r.commitment.count} votes under root ${against} (poll ${r.commitment.pollId})\n`);
  if (root === undefined) write('(checked against the root in the file; pass --root with the root published at close to check that too)\n');
  return 0;
}
