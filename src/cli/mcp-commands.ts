/** @module `trellis mcp`: the MCP server over stdio, on the data folder in-process, for one tenant (Claude Desktop and other MCP clients). */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Command } from 'commander';
import { createMcpServer } from '../memory/mcp/server.js';
import { globals, tenantOf, withServices } from './context.js';

/** Registers `trellis mcp`. */
export function registerMcpCommands(program: Command): void {
  program
    .command('mcp')
    .description('run the MCP server over stdio (JSON-RPC on stdin/stdout; messages and errors on stderr) until stdin closes')
    .option('--tenant <tenant>', 'tenant slug or ID (default: the first-start tenant)')
    .action(async (flags: { tenant?: string }, command: Command) => {
      await withServices(globals(command), async (services) => {
        const tenantId = await tenantOf(services, flags.tenant);
        const server = createMcpServer(services, tenantId, { canWrite: true });
        const closed = new Promise<void>((resolve) => {
          process.stdin.once('end', resolve);
          process.stdin.once('close', resolve);
        });
        await server.connect(new StdioServerTransport());
        process.stderr.write(`Trellis MCP server on stdio (tenant ${tenantId})\n`);
        await closed;
        await server.close();
      });
    });
}
