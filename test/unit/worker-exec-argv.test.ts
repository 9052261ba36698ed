/** The young-generation flag the cluster primary gives its workers, unless the operator chose a size. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SEMI_SPACE_FLAG, workerExecArgv } from '../../src/process-supervisor.js';

describe('worker node arguments', () => {
  it('adds the semi-space flag to the primary arguments', () => {
    assert.deepEqual(workerExecArgv(['--enable-source-maps'], undefined), ['--enable-source-maps', SEMI_SPACE_FLAG]);
    assert.deepEqual(workerExecArgv([], ''), [SEMI_SPACE_FLAG]);
  });

  it('keeps a size given on the command line or in NODE_OPTIONS', () => {
    assert.deepEqual(workerExecArgv(['--max-semi-space-size=16'], undefined), ['--max-semi-space-size=16']);
    assert.deepEqual(workerExecArgv(['--import', 'tsx'], '--max-old-space-size=512 --max-semi-space-size=8'), ['--import', 'tsx']);
    assert.deepEqual(workerExecArgv([], '--semi-space-growth-factor=2'), []);
  });
});
