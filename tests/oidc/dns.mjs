// A real DNS server (UDP, dns-packet) on 127.0.0.1 for the tests of domain ownership: it
// answers TXT questions from a zone directory, where each file is named by a record's name
// (lower case, no trailing dot) and holds its TXT values, one per line. A test publishes a
// record by writing such a file, and takes it down by deleting it. Any other name answers
// NXDOMAIN; any other question type answers NOERROR with no records. As a real server, it
// answers over UDP up to 512 bytes (a longer answer goes out truncated, with the TC flag)
// and over TCP on the same port, where a resolver asks again for a truncated one. Started
// beside the OpenID provider by provider.mjs (scripts/oidc.sh), which prints where it
// listens.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';

const NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

async function txtValues(zone, name) {
  const key = name.toLowerCase().replace(/\.$/, '');
  if (!NAME.test(key)) return null;
  try {
    const text = await readFile(join(zone, key), 'utf8');
    return text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  } catch {
    return null;
  }
}

const TRUNCATED = 1 << 9;
const UDP_LIMIT = 512;

/** The answer to one query (a decoded packet). */
async function answer(zone, query) {
  const answers = [];
  let nxdomain = false;
  for (const question of query.questions ?? []) {
    const values = await txtValues(zone, question.name);
    if (values === null) {
      nxdomain = true;
    } else if (question.type === 'TXT') {
      for (const value of values) answers.push({ type: 'TXT', class: 'IN', name: question.name, ttl: 0, data: value });
    }
  }
  process.stderr.write(
    `${new Date().toISOString()} DNS ${query.questions?.map((q) => `${q.type} ${q.name}`).join(', ')} ${nxdomain ? 'NXDOMAIN' : 'NOERROR'} ${answers.length}\n`,
  );
  return {
    id: query.id,
    type: 'response',
    // The response code is the flags' low four bits (NXDOMAIN is 3).
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (query.flags & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | (nxdomain ? 3 : 0),
    questions: query.questions,
    answers,
  };
}

/** Listens on 127.0.0.1:`port` (0: a free one), UDP and TCP; resolves to the bound port.
 * A free UDP port may be taken for TCP (another program's connection holds it): then both
 * are tried again on another free port. */
export async function startDns(zone, port = 0) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await listenOn(zone, port);
    } catch (error) {
      if (port !== 0 || error.code !== 'EADDRINUSE' || attempt === 20) throw error;
    }
  }
}

async function listenOn(zone, port) {
  const udp = createSocket('udp4');
  udp.on('message', async (message, peer) => {
    let query;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const reply = await answer(zone, query);
    let packet = dnsPacket.encode(reply);
    if (packet.length > UDP_LIMIT) {
      packet = dnsPacket.encode({ ...reply, flags: reply.flags | TRUNCATED, answers: [] });
    }
    udp.send(packet, peer.port, peer.address);
  });
  const bound = await new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, '127.0.0.1', () => resolve(udp.address().port));
  });
  // TCP: each message is preceded by its length in two bytes.
  const tcp = createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', async (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        let query;
        try {
          query = dnsPacket.decode(message);
        } catch {
          socket.destroy();
          return;
        }
        socket.write(dnsPacket.streamEncode(await answer(zone, query)));
      }
    });
    socket.on('error', () => {});
  });
  try {
    await new Promise((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(bound, '127.0.0.1', resolve);
    });
  } catch (error) {
    udp.close();
    throw error;
  }
  return { port: bound, close: () => (udp.close(), tcp.close()) };
}
