// A node:test reporter that prints only the closing "N passed, N failed" line (skips are counted
// apart and named, so a skipped suite is never mistaken for a pass).
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type === 'test:pass' && event.data.details?.type !== 'suite') {
      if (event.data.skip || event.data.todo) skipped++;
      else passed++;
    } else if (event.type === 'test:fail') {
      // A suite whose own body threw (e.g. REQUIRE_SERVICES=1 and a missing program) has no test
      // that fails in its place; a suite failing because of its tests or hooks does.
      const ownFailure = event.data.details?.error?.failureType === 'testCodeFailure';
      if (event.data.details?.type !== 'suite' || ownFailure) failed++;
    }
  }
  yield `\n${skipped > 0 ? `(${skipped} skipped)\n` : ''}${passed} passed, ${failed} failed\n`;
}
