/**
 * Verifiable receipts. A voter holding a receipt id and its receipt key (given with the 201) asks
 * whether that vote is counted and with which choice; nobody else can (the key is checked before
 * anything is read). When a poll is closed its counted votes are committed to a Merkle root
 * (domain/receipt-merkle.ts), published with the count, and each voter gets an inclusion proof.
 *
 * The tree is rebuilt from the store when first asked for after a close (one pass over the votes,
 * in pages) and kept for the last few polls; it is keyed by the results version, so a poll that is
 * reopened and closed again gets a new commitment. Nothing is stored: the root is a function of
 * the stored votes, and what makes it a commitment is that people keep the root published at
 * close (see docs/voting.md).
 */
import { effectiveStatus, type Poll } from '../domain/poll.js';
import type { ReceiptKeys } from '../domain/receipt-key.js';
import { buildLevels, COMMITMENT_SCHEME, leafHash, proofFor, rootOf, type ProofStep } from '../domain/receipt-merkle.js';
import { PollcastError } from '../errors.js';
import type { Store } from '../ports/store.js';

export interface Commitment {
  pollId: string;
  scheme: typeof COMMITMENT_SCHEME;
  root: string;
  count: number;
  /** The results version the tree was built at. */
  version: number;
}

export interface ReceiptStatus {
  receiptId: string;
  pollId: string;
  /** False when the voter changed the vote later: the newer receipt is the counted one. */
  counted: boolean;
  optionIds?: string[];
  countedAt?: string;
  /** Once the poll is closed (and its results are visible): the commitment and this vote's path to its root. */
  commitment?: Commitment;
  proof?: ProofStep[];
}

interface Tree {
  commitment: Commitment;
  levels: Buffer[][];
  index: Map<string, number>;
}

const PAGE = 1_000;
const CACHED_TREES = 4;

export class ReceiptService {
  readonly #trees = new Map<string, Promise<Tree>>();

  constructor(
    private readonly store: Pick<Store, 'getPoll' | 'getVote' | 'listVotes' | 'getResults'>,
    private readonly keys: ReceiptKeys,
  ) {}

  /** `mayShowCommitment`: whether the caller may see the poll's count (its results visibility). */
  async check(receiptId: string, key: string, mayShowCommitment: (poll: Poll) => boolean): Promise<ReceiptStatus> {
    const holder = this.keys.verify(receiptId, key);
    if (!holder) throw new PollcastError('receipt_not_found');
    const [poll, vote] = await Promise.all([this.store.getPoll(holder.pollId, { fresh: true }), this.store.getVote(holder.pollId, holder.voterId)]);
    if (!poll || !vote) throw new PollcastError('receipt_not_found');
    const base = { receiptId, pollId: poll.id };
    if (vote.receiptId !== receiptId) return { ...base, counted: false };
    const status: ReceiptStatus = { ...base, counted: true, optionIds: vote.optionIds, countedAt: new Date(vote.at).toISOString() };
    if (effectiveStatus(poll, Date.now()) !== 'closed' || !mayShowCommitment(poll)) return status;
    const tree = await this.#tree(poll);
    const at = tree.index.get(receiptId);
    if (at === undefined) return status;
    return { ...status, commitment: tree.commitment, proof: proofFor(tree.levels, at) };
  }

  /** The published commitment of a closed poll; `poll_not_closed` before. */
  async commitment(poll: Poll): Promise<Commitment> {
    if (effectiveStatus(poll, Date.now()) !== 'closed') throw new PollcastError('poll_not_closed');
    return (await this.#tree(poll)).commitment;
  }

  async #tree(poll: Poll): Promise<Tree> {
    const version = (await this.store.getResults(poll.id, { fresh: true }))?.version ?? 0;
    const key = `${poll.id}@${version}`;
    let tree = this.#trees.get(key);
    if (!tree) {
      tree = this.#build(poll.id, version);
      tree.catch(() => this.#trees.delete(key));
      this.#trees.set(key, tree);
      while (this.#trees.size > CACHED_TREES) this.#trees.delete(this.#trees.keys().next().value!);
    }
    return tree;
  }

  async #build(pollId: string, version: number): Promise<Tree> {
    const leaves: Buffer[] = [];
    const index = new Map<string, number>();
    let after: string | null = null;
    for (;;) {
      const page = await this.store.listVotes(pollId, after, PAGE);
      for (const v of page) {
        index.set(v.receiptId, leaves.length);
        leaves.push(leafHash(v.receiptId, v.optionIds));
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.voterId;
    }
    const levels = buildLevels(leaves);
    return { commitment: { pollId, scheme: COMMITMENT_SCHEME, root: rootOf(levels), count: leaves.length, version }, levels, index };
  }
}
