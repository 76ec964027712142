#!/usr/bin/env node
// Runs every test (src/**/*.test.ts, test/**/*.test.ts) with node:test through tsx.
// Starts one embedded PostgreSQL server for the whole run unless TRELLIS_TEST_DATABASE_URL names one;
// each test creates its own database on it. Likewise a private redis-server (Debian package redis-server) on a
// free port unless TRELLIS_TEST_REDIS_URL names one, so the rate-limit tests never touch another Redis's keys. Extra arguments are passed to node --test (e.g. a file list).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

const args = process.argv.slice(2);
const files = args.filter((arg) => !arg.startsWith('-'));
const flags = args.filter((arg) => arg.startsWith('-'));
const tests = files.length > 0 ? files : [...findTests('src'), ...findTests('test')].sort();

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
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...flags, ...tests], {
  stdio: 'inherit',
  env,
});
const code = await new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
if (postgres) await postgres.stop();
if (redis) await redis.stop();
process.exit(code);
