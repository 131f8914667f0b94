// autocannon, programmatically, with the bench's own CPU use measured.
import autocannon from 'autocannon';

/** `bodies`: JSON bodies taken in turn; `rawBody`: one body sent as is (with the caller's content-type). */
export async function httpLoad({ url, connections = 32, durationSec = 10, method = 'GET', headers = {}, bodies, rawBody, path = '/', expectedStatus = 200 }) {
  let n = 0;
  const requests = bodies
    ? [{ method, path, headers: { 'content-type': 'application/json', ...headers }, setupRequest: (req) => ({ ...req, body: JSON.stringify(bodies[n++ % bodies.length]) }) }]
    : [{ method, path, headers, ...(rawBody ? { body: rawBody } : {}) }];
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await autocannon({ url, connections, duration: durationSec, requests, pipelining: 1 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    // Answers other than the expected status (a flood of bad tokens expects 401).
    errors: result.errors + result.timeouts + (expectedStatus === 200 ? result.non2xx : result.requests.total - (result.statusCodeStats?.[expectedStatus]?.count ?? 0)),
    loadCpu: (cpu.user + cpu.system) / 1e6 / wall,
  };
}
