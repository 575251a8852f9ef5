#!/usr/bin/env node
// Demo receiver of the engine's actions webhook: verifies the Standard Webhooks signature, prints one line per
// action, and lists what it received at GET /actions. No dependencies: `node deploy/receiver/receiver.js`.
//
// Environment: PORT (default 8080), HOST (default 0.0.0.0), WEBHOOK_SECRET (`whsec_<base64>`, the engine's
// signing secret; without it signatures are not checked, and every line says so), TOLERANCE_SECONDS (300).
'use strict';
const crypto = require('crypto');
const http = require('http');

const MAX_BODY = 1024 * 1024;
const KEEP = 1000;

/** The HMAC key of a Standard Webhooks secret (`whsec_` + base64). */
function secretKey(secret) {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/**
 * Checks `webhook-signature` (space-separated `v1,<base64>` entries) against HMAC-SHA256 of `id.timestamp.body`,
 * and that the timestamp is within `toleranceSeconds` of `nowSeconds`. Returns undefined when valid, else why not.
 */
function verify(headers, body, key, nowSeconds, toleranceSeconds) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (!id || !timestamp || !signature) {
    return 'missing webhook-id, webhook-timestamp or webhook-signature header';
  }
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) {
    return `webhook-timestamp ${timestamp} is not within ${toleranceSeconds}s of now`;
  }
  const expected = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  for (const entry of String(signature).split(' ')) {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) {
      continue;
    }
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) {
      return undefined;
    }
  }
  return 'no v1 signature matches';
}

/** One line for the terminal: what to do, where, and why. */
function describe(action) {
  const changes = Object.entries(action.change || {})
    .map(([k, v]) => `${k} ${v && v.from} -> ${v && v.to}`)
    .join(', ');
  const reason = action.reason || {};
  const z = typeof reason.z === 'number' ? ` z=${reason.z.toFixed(2)}` : '';
  return `${action.type} host=${action.host} resource=${action.resource} ${changes} (${reason.kind || 'no reason'}${z}, source ${action.source})${action.dryRun ? ' [dry run]' : ''}`;
}

function start(options = {}) {
  const secret = options.secret ?? process.env.WEBHOOK_SECRET ?? '';
  const key = secret ? secretKey(secret) : undefined;
  const tolerance = Number(options.toleranceSeconds ?? process.env.TOLERANCE_SECONDS ?? 300);
  const log = options.log ?? ((line) => process.stdout.write(line + '\n'));
  const received = [];
  const seen = new Set();

  const server = http.createServer((req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url || '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      return reply(200, { status: 'ok' });
    }
    if (req.method === 'GET' && path === '/actions') {
      return reply(200, received);
    }
    if (req.method !== 'POST' || path !== '/actions') {
      return reply(404, { error: 'POST /actions (or GET /actions, GET /healthz)' });
    }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reply(413, { error: `body over ${MAX_BODY} bytes` });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) {
        return;
      }
      const body = Buffer.concat(chunks);
      let signature = 'unchecked (no WEBHOOK_SECRET)';
      if (key) {
        const problem = verify(req.headers, body, key, Math.floor(Date.now() / 1000), tolerance);
        if (problem) {
          log(`rejected: ${problem}`);
          return reply(401, { error: `invalid signature: ${problem}` });
        }
        signature = 'valid';
      }
      let action;
      try {
        action = JSON.parse(body.toString('utf8'));
      } catch (e) {
        return reply(400, { error: `body is not JSON: ${e.message}` });
      }
      const id = req.headers['webhook-id'] || action.id;
      // Retries carry the same webhook-id: acknowledge them, act once.
      const duplicate = seen.has(id);
      seen.add(id);
      if (!duplicate) {
        received.push({ id, receivedAt: new Date().toISOString(), signature, action });
        if (received.length > KEEP) {
          received.shift();
        }
      }
      log(`${new Date().toISOString()} ${duplicate ? 'duplicate ' : ''}${describe(action)} [signature ${signature}]`);
      return reply(200, { status: duplicate ? 'duplicate' : 'accepted' });
    });
  });
  return server;
}

if (require.main === module) {
  const port = Number(process.env.PORT || 8080);
  const host = process.env.HOST || '0.0.0.0';
  const server = start();
  server.listen(port, host, () => {
    const checked = process.env.WEBHOOK_SECRET ? 'signatures checked' : 'WEBHOOK_SECRET unset: signatures NOT checked';
    process.stdout.write(`webhook receiver on http://${host}:${port}/actions (${checked})\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = { start, verify, secretKey, describe };
