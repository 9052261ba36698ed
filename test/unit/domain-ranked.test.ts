/** Instant runoff and Borda from counts of identical rankings (src/domain/ranked.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bordaCount,
  firstPreferences,
  instantRunoff,
  rankingKey,
  rankingsFromTallies,
} from '../../src/domain/ranked.js';

/**
 * The Tennessee capital example (Wikipedia, "Instant-runoff voting" and "Borda count"): 100 voters
 * in four cities, each ranking by distance. IRV elects Knoxville in three rounds; Borda, Nashville.
 */
const TN = ['Memphis', 'Nashville', 'Chattanooga', 'Knoxville'];
const tennessee = [
  { ranking: ['Memphis', 'Nashville', 'Chattanooga', 'Knoxville'], votes: 42 },
  { ranking: ['Nashville', 'Chattanooga', 'Knoxville', 'Memphis'], votes: 26 },
  { ranking: ['Chattanooga', 'Knoxville', 'Nashville', 'Memphis'], votes: 15 },
  { ranking: ['Knoxville', 'Chattanooga', 'Nashville', 'Memphis'], votes: 17 },
];

describe('instant runoff', () => {
  it('Tennessee: Chattanooga then Nashville are eliminated, Knoxville wins 58–42', () => {
    const r = instantRunoff(TN, tennessee);
    assert.deepEqual(r.rounds, [
      {
        counts: { Memphis: 42, Nashville: 26, Chattanooga: 15, Knoxville: 17 },
        eliminated: ['Chattanooga'],
        exhausted: 0,
      },
      { counts: { Memphis: 42, Nashville: 26, Knoxville: 32 }, eliminated: ['Nashville'], exhausted: 0 },
      { counts: { Memphis: 42, Knoxville: 58 }, eliminated: [], exhausted: 0 },
    ]);
    assert.equal(r.winner, 'Knoxville');
  });

  it('a first-round majority wins in one round', () => {
    const r = instantRunoff(
      ['a', 'b', 'c'],
      [
        { ranking: ['a'], votes: 6 },
        { ranking: ['b', 'a'], votes: 3 },
        { ranking: ['c'], votes: 2 },
      ],
    );
    assert.equal(r.rounds.length, 1);
    assert.equal(r.winner, 'a');
    assert.deepEqual(r.rounds[0]!.eliminated, []);
  });

  it('exhausted ballots leave the count: a majority of the ballots still counting wins', () => {
    const r = instantRunoff(
      ['a', 'b', 'c'],
      [
        { ranking: ['a'], votes: 4 },
        { ranking: ['b'], votes: 3 },
        { ranking: ['c'], votes: 2 },
      ],
    );
    assert.deepEqual(r.rounds, [
      { counts: { a: 4, b: 3, c: 2 }, eliminated: ['c'], exhausted: 0 },
      { counts: { a: 4, b: 3 }, eliminated: [], exhausted: 2 },
    ]);
    assert.equal(r.winner, 'a');
  });

  it('a tie for last place goes to the option with fewer votes in the latest earlier round where they differ', () => {
    const r = instantRunoff(
      ['a', 'b', 'c', 'd'],
      [
        { ranking: ['a'], votes: 10 },
        { ranking: ['b'], votes: 6 },
        { ranking: ['c'], votes: 7 },
        { ranking: ['d', 'b'], votes: 1 },
      ],
    );
    assert.deepEqual(r.rounds[1], { counts: { a: 10, b: 7, c: 7 }, eliminated: ['b'], exhausted: 0 });
    assert.deepEqual(r.rounds[2], { counts: { a: 10, c: 7 }, eliminated: [], exhausted: 7 });
    assert.equal(r.winner, 'a');
  });

  it('options tied in every round: the one listed last in the poll is eliminated', () => {
    const r = instantRunoff(
      ['x', 'y', 'z'],
      [
        { ranking: ['z'], votes: 1 },
        { ranking: ['y'], votes: 1 },
        { ranking: ['x'], votes: 1 },
      ],
    );
    assert.deepEqual(
      r.rounds.map((x) => x.eliminated),
      [['z'], ['y'], []],
    );
    assert.equal(r.winner, 'x');
    // The order of the ballots does not matter, only the poll's order.
    assert.deepEqual(
      instantRunoff(
        ['z', 'y', 'x'],
        [
          { ranking: ['x'], votes: 1 },
          { ranking: ['y'], votes: 1 },
          { ranking: ['z'], votes: 1 },
        ],
      ).winner,
      'z',
    );
  });

  it('a single candidate wins in the first round, even with ballots that rank nothing else', () => {
    assert.deepEqual(instantRunoff(['only'], [{ ranking: ['only'], votes: 3 }]), {
      rounds: [{ counts: { only: 3 }, eliminated: [], exhausted: 0 }],
      winner: 'only',
    });
  });

  it('no ballots: one round of zeros and no winner', () => {
    assert.deepEqual(instantRunoff(['a', 'b'], []), {
      rounds: [{ counts: { a: 0, b: 0 }, eliminated: [], exhausted: 0 }],
      winner: null,
    });
    assert.deepEqual(instantRunoff([], []), { rounds: [], winner: null });
  });

  it('every round accounts for every ballot (counts + exhausted = voters)', () => {
    const ballots = [
      { ranking: ['a', 'b'], votes: 5 },
      { ranking: ['b'], votes: 4 },
      { ranking: ['c', 'd'], votes: 3 },
      { ranking: ['d'], votes: 3 },
      { ranking: ['e', 'a'], votes: 2 },
    ];
    const r = instantRunoff(['a', 'b', 'c', 'd', 'e'], ballots);
    for (const round of r.rounds) {
      assert.equal(Object.values(round.counts).reduce((n, x) => n + x, 0) + round.exhausted, 17);
    }
    assert.ok(r.winner !== null);
  });
});

describe('Borda count', () => {
  it('Tennessee: Nashville 194, Chattanooga 173, Memphis 126, Knoxville 107', () => {
    assert.deepEqual(bordaCount(TN, tennessee), { Memphis: 126, Nashville: 194, Chattanooga: 173, Knoxville: 107 });
  });

  it('partial rankings: unranked options get no points; the scale is set by the number of options', () => {
    assert.deepEqual(
      bordaCount(
        ['a', 'b', 'c'],
        [
          { ranking: ['b'], votes: 2 },
          { ranking: ['c', 'a'], votes: 1 },
        ],
      ),
      { a: 1, b: 4, c: 2 },
    );
  });
});

describe('rankings in tallies', () => {
  it('reads ranking keys back, skipping option keys, zero counts and unknown ids', () => {
    const tallies = new Map<string, number>([
      ['a', 3],
      [rankingKey(['a', 'b']), 2],
      [rankingKey(['a', 'gone', 'c']), 1],
      [rankingKey(['b']), 0],
    ]);
    assert.deepEqual(rankingsFromTallies(tallies, ['a', 'b', 'c']), [
      { ranking: ['a', 'b'], votes: 2 },
      { ranking: ['a', 'c'], votes: 1 },
    ]);
  });

  it('first preferences', () => {
    assert.deepEqual(firstPreferences(TN, tennessee), { Memphis: 42, Nashville: 26, Chattanooga: 15, Knoxville: 17 });
  });
});
