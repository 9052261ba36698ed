// A node:test reporter that prints only the closing "N passed, N failed" line (skips are counted
// apart and named, so a skipped suite is never mistaken for a pass).
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let todoFailing = 0;
  for await (const event of source) {
    if (event.type === 'test:pass' && event.data.details?.type !== 'suite') {
      if (event.data.skip || event.data.todo) skipped++;
      else passed++;
    } else if (event.type === 'test:fail') {
      // A suite that failed on its own — its body threw (e.g. REQUIRE_SERVICES=1 and a missing
      // program), a hook failed, or its file ended with a promise still pending — has no test that
      // fails in its place; a suite failing because of its tests does (counted there).
      const ownFailure = event.data.details?.error?.failureType !== 'subtestsFailed';
      // A `todo` test is a known, named problem: its failure is shown apart and does not fail the run.
      if (event.data.todo) todoFailing++;
      else if (event.data.details?.type !== 'suite' || ownFailure) failed++;
    }
  }
  yield `\n${skipped > 0 ? `(${skipped} skipped)\n` : ''}${todoFailing > 0 ? `(${todoFailing} todo still failing)\n` : ''}${passed} passed, ${failed} failed\n`;
}
