#!/usr/bin/env node
// Runs every test (src/**/*.test.ts, test/**/*.test.ts) with node:test through tsx.
// Starts one embedded PostgreSQL server for the whole run unless TRELLIS_TEST_DATABASE_URL names one;
// each test creates its own database on it. Likewise a private redis-server (Debian package redis-server) on a
// free port unless TRELLIS_TEST_REDIS_URL names one, so the rate-limit tests never touch another Redis's keys. Extra arguments are passed to node --test (e.g. a file list).
// Files start slowest first, by scripts/test-timings.json (a file it does not name is taken as slow: it starts early);
// --record-timings rewrites that file from this run.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { startTestPostgres } from './test-postgres.mjs';
import { startTestRedis } from './test-redis.mjs';

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) found.push(...findTests(full));
    else if (name.endsWith('.test.ts')) found.push(full);
  }
  return found;
}

const timingsFile = 'scripts/test-timings.json';
const args = process.argv.slice(2);
const record = args.includes('--record-timings');
const files = args.filter((arg) => !arg.startsWith('-'));
const flags = args.filter((arg) => arg.startsWith('-') && arg !== '--record-timings');
const seconds = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : {};
const timeOf = (file) => seconds[file.split(path.sep).join('/')] ?? Number.POSITIVE_INFINITY;
const found = files.length > 0 ? files : [...findTests('src'), ...findTests('test')].sort();
// With two files at a time, the run ends when its last file does: the slowest files go first so none starts last.
const tests = [...found].sort((a, b) => timeOf(b) - timeOf(a) || (a < b ? -1 : 1));
const reporters = record
  ? [
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=./scripts/test-timings-reporter.mjs',
      `--test-reporter-destination=${timingsFile}`,
    ]
  : ['--test-reporter=spec'];

let postgres;
const env = { ...process.env };
if (!env.TRELLIS_TEST_DATABASE_URL) {
  postgres = await startTestPostgres();
  env.TRELLIS_TEST_DATABASE_URL = postgres.url;
  console.log(`# embedded PostgreSQL ${postgres.version} for the tests at ${postgres.url.replace(/:[^:@/]*@/, ':***@')}`);
} else {
  console.log('# PostgreSQL for the tests from TRELLIS_TEST_DATABASE_URL');
}

let redis;
if (!env.TRELLIS_TEST_REDIS_URL) {
  redis = await startTestRedis();
  env.TRELLIS_TEST_REDIS_URL = redis.url;
  console.log(`# redis-server ${redis.version} for the tests at ${redis.url}`);
} else {
  console.log('# Redis for the tests from TRELLIS_TEST_REDIS_URL');
}

// Test files run two at a time (node:test's default is one fewer than the cores: one file at a time on two cores).
// Most files wait on servers, databases and child processes more than they compute, so two overlap well; an explicit
// --test-concurrency among the arguments wins.
const concurrency = Math.max(2, availableParallelism() - 1);
const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...reporters, `--test-concurrency=${concurrency}`, ...flags, ...tests], {
  stdio: 'inherit',
  env,
});
const code = await new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
if (postgres) await postgres.stop();
if (redis) await redis.stop();
process.exit(code);
