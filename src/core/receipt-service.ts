/**
 * Verifiable receipts. A voter holding a receipt id and its receipt key (given with the 201) asks
 * whether that vote is counted and with which choice; nobody else can (the key is checked before
 * anything is read). When a poll closes its counted votes are committed to a Merkle root
 * (domain/receipt-merkle.ts) which is stored with the count, once per close, and never replaced:
 * each voter then gets an inclusion proof against that stored root.
 *
 * Sealing (computing and storing the root) happens when the close is announced (the worker's
 * commitment consumer, on the `poll.status` event of the close, whoever or whatever closed the
 * poll: owner, presenter, schedule or countdown), and, as a safety net, on the first read after
 * the close. Either way the votes are read only once the store says `closed`: from then on no vote
 * transaction can add or change one (the store re-checks the status inside every vote
 * transaction), so both paths see the vote set of the close, and the first stored root stands.
 *
 * Proofs come from the tree rebuilt from the stored votes (kept for the last few closes). When
 * that tree no longer leads to the stored root, the votes changed after the close (a reset of the
 * closed question, or an edit in the database): the answer says so instead of giving a proof
 * against a root nobody published.
 */
import { closeKey, type Commitment } from '../domain/commitment.js';
import { effectiveStatus, type Poll } from '../domain/poll.js';
import type { ReceiptKeys } from '../domain/receipt-key.js';
import { buildLevels, COMMITMENT_SCHEME, leafHash, MerkleRoot, proofFor, rootOf, type ProofStep } from '../domain/receipt-merkle.js';
import { PollcastError } from '../errors.js';
import type { Store } from '../ports/store.js';

export type { Commitment };

/** The commitment of the poll's current close and those of earlier closes (a poll reopened and closed again). */
export interface Published {
  current: Commitment;
  earlier: Commitment[];
}

export interface ReceiptStatus {
  receiptId: string;
  pollId: string;
  /** False when the voter changed the vote later: the newer receipt is the counted one. */
  counted: boolean;
  optionIds?: string[];
  countedAt?: string;
  /** Once the poll is closed (and its results are visible): the published commitment and this vote's path to its root. */
  commitment?: Published;
  proof?: ProofStep[];
  /** Set instead of `proof` when the stored votes no longer lead to the published root. */
  proofUnavailable?: 'votes_changed_since_close';
}

interface Tree {
  root: string;
  levels: Buffer[][];
  index: Map<string, number>;
}

type ReceiptStore = Pick<Store, 'getPoll' | 'getVote' | 'listVotes' | 'getResults' | 'saveCommitment' | 'getCommitments'>;

const PAGE = 1_000;
const CACHED_TREES = 4;
const CACHED_COMMITMENTS = 10_000;
/** Attempts at sealing while the poll keeps changing under the read (a reopen, a reset, invites). */
const SEAL_ATTEMPTS = 5;

export class ReceiptService {
  readonly #trees = new Map<string, Promise<Tree>>();
  /** Stored commitments never change: kept per `${pollId}@${closedAt}` once read. */
  readonly #published = new Map<string, Published>();

  constructor(
    private readonly store: ReceiptStore,
    private readonly keys: ReceiptKeys,
    private readonly now: () => number = Date.now,
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
    if (effectiveStatus(poll, this.now()) !== 'closed' || !mayShowCommitment(poll)) return status;
    const published = await this.#publishedFor(poll);
    if (!published) return status;
    const tree = await this.#tree(published.current);
    const at = tree.index.get(receiptId);
    if (tree.root !== published.current.root || at === undefined) return { ...status, commitment: published, proofUnavailable: 'votes_changed_since_close' };
    return { ...status, commitment: published, proof: proofFor(tree.levels, at) };
  }

  /** The commitments a closed poll published; `poll_not_closed` before (and for the moment between its close time and the store's flip). */
  async commitment(poll: Poll): Promise<Published> {
    if (effectiveStatus(poll, this.now()) !== 'closed') throw new PollcastError('poll_not_closed');
    const published = await this.#publishedFor(poll);
    if (!published) throw new PollcastError('poll_not_closed', 'the poll is closing: its commitment is published within a second', undefined, 1);
    return published;
  }

  /**
   * Computes and stores the commitment of the poll's current close, unless it has one; answers
   * what stands (null when the poll is not closed in the store, or kept changing meanwhile).
   * Idempotent: the worker calls it for every close event, readers when they find none.
   */
  async seal(pollId: string): Promise<Published | null> {
    for (let attempt = 0; attempt < SEAL_ATTEMPTS; attempt++) {
      const poll = await this.store.getPoll(pollId, { fresh: true });
      if (!poll || poll.status !== 'closed') return null;
      const closedAt = closeKey(poll);
      const stored = await this.#stored(pollId, closedAt);
      if (stored) return stored;
      const results = await this.store.getResults(pollId, { fresh: true });
      if (!results) return null;
      const { root, count } = await this.#root(pollId);
      await this.store.saveCommitment({ pollId, closedAt, scheme: COMMITMENT_SCHEME, root, count, version: results.version, publishedAt: this.now() });
      const won = await this.#stored(pollId, closedAt);
      if (won) return won;
    }
    return null;
  }

  async #publishedFor(poll: Poll): Promise<Published | null> {
    return this.#published.get(`${poll.id}@${closeKey(poll)}`) ?? (await this.seal(poll.id));
  }

  async #stored(pollId: string, closedAt: number): Promise<Published | null> {
    const all = await this.store.getCommitments(pollId);
    const current = all.find((c) => c.closedAt === closedAt);
    if (!current) return null;
    const published = { current, earlier: all.filter((c) => c.closedAt < closedAt) };
    this.#published.set(`${pollId}@${closedAt}`, published);
    while (this.#published.size > CACHED_COMMITMENTS) this.#published.delete(this.#published.keys().next().value!);
    return published;
  }

  /** The root over the stored votes, in constant memory (a stack of log2(n) hashes). */
  async #root(pollId: string): Promise<{ root: string; count: number }> {
    const acc = new MerkleRoot();
    for await (const page of this.#votes(pollId)) for (const v of page) acc.add(leafHash(v.receiptId, v.optionIds));
    return { root: acc.root(), count: acc.count };
  }

  async *#votes(pollId: string) {
    let after: string | null = null;
    for (;;) {
      const page = await this.store.listVotes(pollId, after, PAGE);
      yield page;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.voterId;
    }
  }

  #tree(c: Commitment): Promise<Tree> {
    const key = `${c.pollId}@${c.closedAt}`;
    let tree = this.#trees.get(key);
    if (!tree) {
      tree = this.#build(c.pollId);
      tree.catch(() => this.#trees.delete(key));
      this.#trees.set(key, tree);
      while (this.#trees.size > CACHED_TREES) this.#trees.delete(this.#trees.keys().next().value!);
    }
    return tree;
  }

  async #build(pollId: string): Promise<Tree> {
    const leaves: Buffer[] = [];
    const index = new Map<string, number>();
    for await (const page of this.#votes(pollId)) {
      for (const v of page) {
        index.set(v.receiptId, leaves.length);
        leaves.push(leafHash(v.receiptId, v.optionIds));
      }
    }
    const levels = buildLevels(leaves);
    return { root: rootOf(levels), levels, index };
  }
}
