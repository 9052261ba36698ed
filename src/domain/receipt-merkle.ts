/**
 * The commitment a closed poll publishes over its counted votes: a binary SHA-256 Merkle tree.
 * - Leaf (one per counted vote): SHA-256(0x00 ‖ UTF-8 of `<receiptId>\n<optionIds joined by ,>`),
 *   so a proof shows both that the receipt is included and which choice it carries.
 * - Inner node: SHA-256(0x01 ‖ left ‖ right); the prefixes keep a leaf from passing as a node.
 * - Leaves in the store's export order (voter id byte order, which no one outside can influence
 *   after close); a level with an odd count lifts its last node up unchanged.
 * - The empty tree's root is SHA-256 of nothing. Root and count together are the commitment.
 * Pure functions: `pollcast verify` and the web page run the same check.
 */
import { createHash } from 'node:crypto';

export const COMMITMENT_SCHEME = 'sha256-merkle-v1';

export interface ProofStep {
  /** Which side the sibling sits on. */
  side: 'left' | 'right';
  hash: string;
}

const sha = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export function leafHash(receiptId: string, optionIds: readonly string[]): Buffer {
  return sha(Buffer.from([0]), Buffer.from(`${receiptId}\n${optionIds.join(',')}`, 'utf8'));
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return sha(Buffer.from([1]), left, right);
}

/** Every level of the tree, leaves first, the root level (one hash) last. */
export function buildLevels(leaves: Buffer[]): Buffer[][] {
  if (leaves.length === 0) return [[sha()]];
  const levels: Buffer[][] = [leaves];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const up: Buffer[] = [];
    for (let i = 0; i < below.length; i += 2) up.push(i + 1 < below.length ? nodeHash(below[i]!, below[i + 1]!) : below[i]!);
    levels.push(up);
  }
  return levels;
}

export function rootOf(levels: Buffer[][]): string {
  return levels[levels.length - 1]![0]!.toString('hex');
}

export function proofFor(levels: Buffer[][], index: number): ProofStep[] {
  const steps: ProofStep[] = [];
  let i = index;
  for (let l = 0; l < levels.length - 1; l++) {
    const level = levels[l]!;
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) steps.push({ side: i % 2 === 0 ? 'right' : 'left', hash: level[sibling]!.toString('hex') });
    i = Math.floor(i / 2);
  }
  return steps;
}

/**
 * The root of `buildLevels(leaves)` computed leaf by leaf in O(log n) memory: a stack of perfect
 * subtrees (at most one per height), merged from the right at the end, which is exactly the tree
 * the level-by-level build makes when it lifts an odd last node. Sealing a poll of millions of
 * votes needs only this; proofs need the levels.
 */
export class MerkleRoot {
  readonly #stack: Array<{ height: number; hash: Buffer }> = [];
  #count = 0;

  add(leaf: Buffer): void {
    let node = { height: 0, hash: leaf };
    for (let top = this.#stack[this.#stack.length - 1]; top && top.height === node.height; top = this.#stack[this.#stack.length - 1]) {
      this.#stack.pop();
      node = { height: node.height + 1, hash: nodeHash(top.hash, node.hash) };
    }
    this.#stack.push(node);
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  root(): string {
    if (this.#stack.length === 0) return sha().toString('hex');
    let h = this.#stack[this.#stack.length - 1]!.hash;
    for (let i = this.#stack.length - 2; i >= 0; i--) h = nodeHash(this.#stack[i]!.hash, h);
    return h.toString('hex');
  }
}

/** True when the vote (receipt id + options) with `proof` leads to `root`. */
export function verifyInclusion(receiptId: string, optionIds: readonly string[], proof: readonly ProofStep[], root: string): boolean {
  let h = leafHash(receiptId, optionIds);
  for (const step of proof) {
    if (!/^[0-9a-f]{64}$/.test(step.hash) || (step.side !== 'left' && step.side !== 'right')) return false;
    const sib = Buffer.from(step.hash, 'hex');
    h = step.side === 'left' ? nodeHash(sib, h) : nodeHash(h, sib);
  }
  return h.toString('hex') === root.toLowerCase();
}
