// The physical limit for a token-checked read: a bare Fastify route doing one Redis GET.
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
await redis.set('bench:bare', JSON.stringify({ id: 'x', name: 'bench' }));
const app = Fastify({ logger: false });
app.get('/bare', async () => JSON.parse((await redis.get('bench:bare')) ?? '{}') as unknown);
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => redis.quit())
    .then(() => process.exit(0));
});
