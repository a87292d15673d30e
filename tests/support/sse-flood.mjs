// A separate process that opens many event-stream requests against the web host at once, as a
// crowd of clients would (a load test must not share the server's event loop, or it measures its
// own work). Usage: node sse-flood.mjs PORT TOKEN COUNT
//   prints "go" when it starts connecting, then one JSON line once every request is answered:
//   { accepted, refused, errors, ms }; holds the accepted streams open until its stdin closes.
import { request } from 'node:http';

const [port, token, count] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const open = [];
let accepted = 0;
let refused = 0;
let errors = 0;

function one() {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/events', agent: false, headers: { 'x-workbench-token': token } }, (res) => {
      if (res.statusCode === 200) {
        accepted++;
        open.push(req);
      } else {
        if (res.statusCode === 503) refused++;
        else errors++;
        req.destroy();
      }
      res.resume();
      done();
    });
    req.on('error', () => {
      errors++;
      done();
    });
    req.end();
  });
}

process.stdout.write('go\n');
const t0 = performance.now();
await Promise.all(Array.from({ length: count }, one));
process.stdout.write(JSON.stringify({ accepted, refused, errors, ms: Math.round(performance.now() - t0) }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => {
  for (const r of open) r.destroy();
  process.exit(0);
});
