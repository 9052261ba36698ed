/**
 * The ceiling: a minimal Fastify POST handler (JSON body in, small JSON out, content-length set),
 * run as its own process by the benchmark. Votes/s are reported as a ratio to its requests/s
 * measured in the same run, which cancels out most of the machine's speed and noise.
 * Usage: node ceiling-server.js <port>
 */
import Fastify from 'fastify';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: ceiling-server <port>\n');
  process.exit(2);
}

const app = Fastify({ logger: false });
let n = 0;
// Same path and body as a vote, so the load generator does identical work against both.
app.post('/v1/polls/:pollId/votes', async (req, reply) => {
  const body = req.body as { optionIds?: unknown };
  n += 1;
  reply.code(201);
  return { receiptId: 'r_' + n, optionIds: body.optionIds };
});
app.get('/readyz', async () => ({ status: 'ready' }));

await app.listen({ host: '127.0.0.1', port });
const close = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', close);
process.on('SIGINT', close);
