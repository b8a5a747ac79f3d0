// The HTTP bench's load generator, run in a child process (bench/http.bench.ts forks it) so that the
// server is not measured competing with its own client for one event loop. It receives one phase
// (paths with {leaid}, the partners' districts and tokens), runs autocannon and sends back the figures.
import autocannon from 'autocannon';

process.once('message', async (m) => {
  let i = 0;
  const result = await autocannon({
    url: m.url,
    connections: m.connections,
    duration: m.duration,
    requests: [
      {
        setupRequest: (req) => {
          const k = i++;
          const p = k % m.leaids.length;
          const path = m.paths[Math.floor(k / m.leaids.length) % m.paths.length].replaceAll(
            '{leaid}',
            m.leaids[p],
          );
          return {
            ...req,
            method: 'GET',
            path,
            headers: { ...m.headers, authorization: `Bearer ${m.tokens[p]}` },
          };
        },
      },
    ],
  });
  process.send(
    {
      total: result.requests.total,
      average: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      bytesPerSecond: result.throughput.average,
    },
    () => process.exit(0),
  );
});
