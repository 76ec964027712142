#!/usr/bin/env node
/** @module The `trellis` command: serve, migrate, tenants, keys, entities, graph, ingest, sources, doctor. */
import { Command, CommanderError } from 'commander';
import { startServer } from '../server/start.js';
import { version } from '../version.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerAnalyticsCommands } from './analytics-commands.js';
import { registerAuditCommands } from './audit-commands.js';
import { configFrom, globals } from './context.js';
import { registerDoctor } from './doctor.js';
import { registerEmbedCommands } from './embed-commands.js';
import { registerExchangeCommands } from './exchange-commands.js';
import { registerGraphCommands } from './graph-commands.js';
import { registerIngestCommands } from './ingest-commands.js';
import { registerJobCommands } from './job-commands.js';
import { registerMcpCommands } from './mcp-commands.js';
import { registerMemoryCommands } from './memory-commands.js';
import { registerSearchCommands } from './search-commands.js';
import { exitCodes, reportError } from './output.js';
import { registerViewCommands } from './view-commands.js';

/** Set once `serve` is listening: the process must then keep running after the command returns. */
let serving = false;

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('trellis')
    .description('Trellis: a knowledge-graph server where every fact cites its source')
    .version(version)
    .option('--json', 'print JSON for scripts')
    .option('-c, --config <file>', 'trellis.yaml to read (default: ./trellis.yaml when present)')
    .option('--data-dir <dir>', 'data folder (TRELLIS_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL (TRELLIS_DATABASE_URL); SQLite when unset')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('run the HTTP server')
    .option('--host <host>', 'interface to bind (TRELLIS_HOST)')
    .option('--port <port>', 'port (TRELLIS_PORT)')
    .action(async (flags: { host?: string; port?: string }, command: Command) => {
      const options = globals(command);
      if (flags.host) process.env.TRELLIS_HOST = flags.host;
      if (flags.port) process.env.TRELLIS_PORT = flags.port;
      const config = configFrom(options);
      const server = await startServer(config);
      serving = true;
      process.stdout.write(
        `Trellis ${version} listening on ${server.url} (docs: ${server.url}/docs, store: ${server.services.store.dialect} ${server.services.store.location})\n`,
      );
      if (config.auth === 'off')
        process.stdout.write('WARNING: authentication is OFF (TRELLIS_AUTH=off). Every request acts as the default tenant with every scope.\n');
      const stop = async (signal: string) => {
        process.stdout.write(`${signal}: stopping\n`);
        await server.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });

  registerAdminCommands(program);
  registerAuditCommands(program);
  registerExchangeCommands(program);
  registerGraphCommands(program);
  registerAnalyticsCommands(program);
  registerIngestCommands(program);
  registerJobCommands(program);
  registerSearchCommands(program);
  registerEmbedCommands(program);
  registerViewCommands(program);
  registerMcpCommands(program);
  registerMemoryCommands(program);
  registerDoctor(program);
  return program;
}

/** Runs the CLI with the given arguments and resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    return reportError(error, program.opts().json ?? false);
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  const code = await runCli(process.argv.slice(2));
  // serve keeps running (wherever it stands among the global flags); other commands exit with their code.
  if (!serving || code !== 0) process.exit(code);
}
