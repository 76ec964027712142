import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config.js';
import { TrellisError } from './errors.js';

function yamlFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'trellis-config-')), 'trellis.yaml');
  writeFileSync(file, text);
  return file;
}

function configError(pattern: RegExp) {
  return (error: unknown) => error instanceof TrellisError && error.code === 'config_invalid' && pattern.test(error.message);
}

describe('configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({ env: {}, file: yamlFile('') });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 7420);
    assert.equal(config.dataDir, './data');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.auth, 'on');
    assert.deepEqual(config.corsOrigins, []);
  });

  it('lets environment variables win over trellis.yaml, and overrides win over both', () => {
    const file = yamlFile('port: 8080\nlogLevel: warn\ncorsOrigins: [https://a.example]\n');
    const config = loadConfig({ env: { TRELLIS_PORT: '9090' }, file, overrides: { dataDir: '/srv/trellis' } });
    assert.equal(config.port, 9090);
    assert.equal(config.logLevel, 'warn');
    assert.deepEqual(config.corsOrigins, ['https://a.example']);
    assert.equal(config.dataDir, '/srv/trellis');
  });

  it('names the key, the value and what is allowed for a bad value', () => {
    assert.throws(
      () => loadConfig({ env: { TRELLIS_PORT: '70000' }, file: yamlFile('') }),
      configError(/TRELLIS_PORT="70000"; expected an integer from 0 to 65535/),
    );
    assert.throws(() => loadConfig({ env: { TRELLIS_LOG_LEVEL: 'loud' }, file: yamlFile('') }), configError(/TRELLIS_LOG_LEVEL="loud"/));
    assert.throws(() => loadConfig({ env: { TRELLIS_DATABASE_URL: 'mysql://x' }, file: yamlFile('') }), configError(/postgres/));
    assert.throws(() => loadConfig({ env: { TRELLIS_JWT_SECRET: 'short' }, file: yamlFile('') }), configError(/at least 32 characters/));
    assert.throws(() => loadConfig({ env: {}, file: yamlFile('port: [1, 2]\n') }), configError(/port in .*trellis.yaml/));
  });

  it('refuses unknown keys and malformed YAML in trellis.yaml', () => {
    assert.throws(() => loadConfig({ env: {}, file: yamlFile('prot: 1\n') }), configError(/Unknown key "prot"/));
    assert.throws(() => loadConfig({ env: {}, file: yamlFile('port: [\n') }), configError(/Cannot read/));
    assert.throws(() => loadConfig({ env: {}, file: yamlFile('- a\n- b\n') }), configError(/mapping/));
  });

  it('leaves ingestRoot unset by default, resolves it to an absolute path, and bounds ingestUploadMaxBytes', () => {
    const defaults = loadConfig({ env: {}, file: yamlFile('') });
    assert.equal(defaults.ingestRoot, undefined);
    assert.equal(defaults.ingestUploadMaxBytes, 256 * 1024 * 1024);
    assert.equal(loadConfig({ env: { TRELLIS_INGEST_ROOT: 'shared/docs' }, file: yamlFile('') }).ingestRoot, path.resolve('shared/docs'));
    assert.equal(loadConfig({ env: { TRELLIS_INGEST_ROOT: '  ' }, file: yamlFile('') }).ingestRoot, undefined);
    assert.equal(loadConfig({ env: { TRELLIS_INGEST_UPLOAD_MAX_BYTES: '1024' }, file: yamlFile('') }).ingestUploadMaxBytes, 1024);
    assert.throws(() => loadConfig({ env: { TRELLIS_INGEST_UPLOAD_MAX_BYTES: '0' }, file: yamlFile('') }), configError(/TRELLIS_INGEST_UPLOAD_MAX_BYTES="0"/));
    assert.throws(() => loadConfig({ env: {}, file: yamlFile('ingestRoot: [a]\n') }), configError(/ingestRoot in/));
  });

  it('allows TRELLIS_AUTH=off only on a loopback host', () => {
    assert.equal(loadConfig({ env: { TRELLIS_AUTH: 'off' }, file: yamlFile('') }).auth, 'off');
    assert.equal(loadConfig({ env: { TRELLIS_AUTH: 'off', TRELLIS_HOST: '::1' }, file: yamlFile('') }).auth, 'off');
    assert.throws(() => loadConfig({ env: { TRELLIS_AUTH: 'off', TRELLIS_HOST: '0.0.0.0' }, file: yamlFile('') }), configError(/loopback/));
  });
});
