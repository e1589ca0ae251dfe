/**
 * HL7 parse throughput: our parser vs hl7parser vs node-hl7-client's Message, on the realistic 21-segment
 * PAM FR A01 of tests/support/hl7-samples.ts (test identities only).
 *
 * Build and run:  npx tsc -p tsconfig.build.json && node dist/bench/hl7-parse.bench.js [cpuSecondsPerRound] [rounds]
 *
 * Each parser starts from the received bytes (what the MLLP layer hands over) and reads the 17 values the gateway
 * needs (MSH-9/10/18, PID-3 ×2 repetitions, PID-5/7, PV1-2/19/44, ZBE-1/4, IN1-49, an escaped OBX-5). All three are
 * lazy, so "parse only" mostly measures how little work is deferred; "parse + read" is the number to compare.
 * Output: one JSON line per parser.
 */
import * as hl7parser from 'hl7parser';
import { Message } from 'node-hl7-client';
import { parseHl7 } from '../src/hl7/hl7-message';
import { buildA01 } from '../tests/support/hl7-samples';

type Reader = (bytes: Buffer) => string[];
type Parser = { name: string; parseOnly: (bytes: Buffer) => unknown; read: Reader };

const parsers: Parser[] = [
  {
    name: 'passerelle',
    parseOnly: (b) => parseHl7(b),
    read: (b) => {
      const m = parseHl7(b);
      return [
        m.get('MSH', 1, 9, 1, 1),
        m.get('MSH', 1, 9, 1, 2),
        m.get('MSH', 1, 10),
        m.get('MSH', 1, 18),
        m.get('PID', 1, 3, 1, 1),
        m.get('PID', 1, 3, 1, 4, 2),
        m.get('PID', 1, 3, 1, 5),
        m.get('PID', 1, 3, 2, 1),
        m.get('PID', 1, 5),
        m.get('PID', 1, 7),
        m.get('PV1', 1, 2),
        m.get('PV1', 1, 19),
        m.get('PV1', 1, 44),
        m.get('ZBE', 1, 1),
        m.get('ZBE', 1, 4),
        m.get('IN1', 1, 49),
        m.get('OBX', 3, 5),
      ];
    },
  },
  {
    name: 'hl7parser',
    // hl7parser fails on the trailing segment separator that every real message ends with: trim it.
    parseOnly: (b) => hl7parser.create(b.toString('utf8').replace(/\r+$/, '')),
    read: (b) => {
      const m = hl7parser.create(b.toString('utf8').replace(/\r+$/, ''));
      const s = (p: string): string => m.get(p).toString();
      return [
        s('MSH.9.1'),
        s('MSH.9.2'),
        s('MSH.10'),
        s('MSH.18'),
        s('PID.3.1'),
        s('PID.3.4.2'),
        s('PID.3.5'),
        m.get('PID.3').get(1).get(0).toString(),
        s('PID.5.1'),
        s('PID.7'),
        s('PV1.2'),
        s('PV1.19.1'),
        s('PV1.44'),
        s('ZBE.1.1'),
        s('ZBE.4'),
        s('IN1.49.1'),
        m.get('OBX').get(2).get('OBX.5').toString(),
      ];
    },
  },
  {
    name: 'node-hl7-client',
    parseOnly: (b) => new Message({ text: b.toString('utf8') }),
    read: (b) => {
      const m = new Message({ text: b.toString('utf8') });
      const s = (p: string): string => m.get(p).toString();
      return [
        s('MSH.9.1'),
        s('MSH.9.2'),
        s('MSH.10'),
        s('MSH.18'),
        s('PID.3.1'),
        s('PID.3.4.2'),
        s('PID.3.5'),
        m.get('PID.3').get(1).toString(),
        s('PID.5.1'),
        s('PID.7'),
        s('PV1.2'),
        s('PV1.19.1'),
        s('PV1.44'),
        s('ZBE.1.1'),
        s('ZBE.4'),
        s('IN1.49.1'),
        m.get('OBX').get(2).get('5').toString(),
      ];
    },
  },
];

let sink = 0; // consumed results, so the JIT cannot drop the work

/** CPU microseconds (user + system) of this process: less disturbed than wall time on a shared machine. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** One round: runs `fn` for about `seconds` of CPU time, returns messages per CPU second. */
function round(fn: (b: Buffer) => unknown, bytes: Buffer, seconds: number): number {
  const start = cpuMicros();
  const budget = seconds * 1e6;
  let n = 0;
  let elapsed = 0;
  do {
    for (let i = 0; i < 256; i++) sink += fn(bytes) === undefined ? 0 : 1;
    n += 256;
    elapsed = cpuMicros() - start;
  } while (elapsed < budget);
  return n / (elapsed / 1e6);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const seconds = Number(process.argv[2] ?? '0.5');
  const rounds = Number(process.argv[3] ?? '7');
  const bytes = buildA01({ controlId: 'BENCH-0001' });
  const reference = parsers[0].read(bytes);
  for (const p of parsers.slice(1)) {
    const got = p.read(bytes);
    const diff = got.map((v, i) => (v === reference[i] ? null : i)).filter((i) => i !== null);
    // A parser that reads different values is not doing the same work: say so next to its number.
    if (diff.length > 0) console.error(`${p.name}: differs from ours on read #${diff.join(', #')}`);
  }
  for (const p of parsers) for (let i = 0; i < 5000; i++) sink += p.read(bytes).length; // warm-up (JIT)
  const rates = parsers.map(() => ({ read: [] as number[], parse: [] as number[] }));
  // Rounds are interleaved across parsers so that load changes on the machine hit all of them alike.
  for (let r = 0; r < rounds; r++) {
    parsers.forEach((p, i) => {
      rates[i].read.push(round(p.read, bytes, seconds));
      rates[i].parse.push(round(p.parseOnly, bytes, seconds));
    });
  }
  const ours = median(rates[0].read);
  parsers.forEach((p, i) => {
    const read = median(rates[i].read);
    console.log(
      JSON.stringify({
        bench: 'hl7-parse',
        parser: p.name,
        msgPerSec: Math.round(read),
        ratioToOurs: Number((read / ours).toFixed(3)),
        parseOnlyMsgPerSec: Math.round(median(rates[i].parse)),
        segments: 21,
        bytes: bytes.length,
        fieldsRead: reference.length,
        rounds,
        clock: 'process CPU time',
        node: process.version,
      }),
    );
  });
  if (sink < 0) console.log(sink);
}

main();
