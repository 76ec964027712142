// A node:test reporter that writes each test file's time as JSON ({ "test/x.test.ts": seconds }, slowest first): the
// sum of its top-level tests' durations. scripts/test.mjs --record-timings uses it to refresh scripts/test-timings.json,
// the order in which the next runs start the files (slowest first, so the longest file does not start last).
import path from 'node:path';

export default async function* timingsReporter(source) {
  const seconds = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && event.data.file) {
      const file = path.relative(process.cwd(), event.data.file).split(path.sep).join('/');
      seconds.set(file, (seconds.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0) / 1000);
    }
  }
  const sorted = [...seconds].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([file, value]) => [file, Math.round(value * 10) / 10]);
  yield `${JSON.stringify(Object.fromEntries(sorted), null, 2)}\n`;
}
