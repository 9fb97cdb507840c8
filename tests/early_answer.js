// tests/early_answer.js - Node's http client (what dockerode and
// testcontainers use) writes a whole request body to routes that answer
// without wanting it, and must read the answer, not fail with EPIPE or
// ECONNRESET.  Prints "ok ..." or "not ok ...: detail" per check, for
// tests/connections.sh.  Usage: node early_answer.js SOCKET
'use strict';
const http = require('http');

const sock = process.argv[2];
const size = 1 << 20;
const piece = Buffer.alloc(65536, 'x');
const cases = [
  ['/build', 501], ['/no/such/route', 404], ['/containers/create', 400],
];

function one(path, status, chunked) {
  const desc = `node: POST ${path} with a 1 MiB ${chunked ? 'chunked' : 'Content-Length'} body gets ${status} and its message`;
  return new Promise(resolve => {
    const headers = {'Content-Type': 'application/json'};
    if (!chunked) headers['Content-Length'] = size;
    const done = (good, detail) => {
      console.log(good ? `ok ${desc}` : `not ok ${desc}: ${detail}`);
      resolve();
    };
    const req = http.request({socketPath: sock, path, method: 'POST', headers,
      timeout: 90000}, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', d => { body += d; });
      res.on('end', () => {
        let msg = '';
        try { msg = JSON.parse(body).message || ''; } catch (e) { msg = ''; }
        done(res.statusCode === status && msg !== '', `status ${res.statusCode} body ${body}`);
      });
    });
    req.on('error', e => done(false, `${e.code || ''} ${e.message}`));
    req.on('timeout', () => req.destroy(new Error('no answer')));
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += piece.length;
        if (!req.write(piece)) { req.once('drain', pump); return; }
      }
      req.end();
    };
    pump();
  });
}

(async () => {
  for (const [path, status] of cases)
    for (const chunked of [false, true])
      await one(path, status, chunked);
})();
