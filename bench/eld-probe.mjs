// Preloaded into the benchmarked server (NODE_OPTIONS=--import): measures the server's own
// event-loop delay and prints its percentiles since the last report as one JSON line on stderr at each SIGUSR2.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
process.on('SIGUSR2', () => {
  process.stderr.write(`ELD ${JSON.stringify({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 })}\n`);
  h.reset();
});
