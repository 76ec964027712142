/**
 * @module `/mcp`: the MCP server over streamable HTTP, stateless (one server and transport per request, JSON answers),
 * behind the same API-key gate as every route: the read scope to connect, the write scope for the writing tools.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import { type McpServices, createMcpServer } from './server.js';

/** The body of a request whose JSON did not parse: answered with a JSON-RPC parse error, not a problem document. */
const unparsable = Symbol('unparsable JSON');

/** A JSON-RPC error with no request ID (the request could not be read). */
function jsonRpcError(code: number, message: string) {
  return { jsonrpc: '2.0', id: null, error: { code, message } };
}

/**
 * Registers `/mcp` (POST for messages; GET and DELETE answer 405, as a stateless server has no stream or session).
 * Register it in a context of its own: it replaces the JSON body parser there so malformed JSON gets a JSON-RPC error.
 */
export function registerMcpRoutes(app: FastifyInstance, services: McpServices): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(null, unparsable);
    }
  });

  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    config: { access: 'read' },
    schema: {
      tags: ['mcp'],
      summary: 'The MCP server (streamable HTTP, stateless): JSON-RPC messages from an MCP client; see docs/mcp.md',
    },
    handler: async (request, reply) => {
      // Stateless: no stream to resume (GET) and no session to end (DELETE).
      if (request.method !== 'POST')
        return reply
          .code(405)
          .header('allow', 'POST')
          .type('application/json')
          .send(jsonRpcError(-32000, 'Method not allowed: this MCP server is stateless; POST messages'));
      if (request.body === unparsable) return reply.code(400).type('application/json').send(jsonRpcError(-32700, 'Parse error: the body is not JSON'));
      const server = createMcpServer(services, request.auth.tenantId, { canWrite: request.auth.scopes.has('write') });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      // The transport writes the answer itself, on the raw response: the headers the hooks set (security headers, request
      // ID, rate limits) go onto it first, as Fastify would have sent them.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
      reply.hijack();
      try {
        await transport.handleRequest(request.raw, reply.raw, request.body);
      } catch (error) {
        // Past hijack Fastify's error handler cannot answer: a JSON-RPC internal error, if nothing was sent yet.
        request.log.error({ err: error }, 'MCP request failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' });
        if (!reply.raw.writableEnded) reply.raw.end(JSON.stringify(jsonRpcError(-32603, 'Internal error')));
      }
    },
  });
}
