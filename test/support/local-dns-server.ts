/**
 * A local DNS server for the CLI's `dns` tests: UDP on 127.0.0.1 and a random
 * high port, answering PTR and A queries from an in-memory zone. dns-packet
 * encodes and decodes the messages; this file holds only the zone and the
 * socket.
 */
import * as dgram from 'dgram';
import * as packet from 'dns-packet';
import { rangeOf, formatIpv4 } from '../../src/range/ipv4-cidr';

/** DNS response codes (RFC 1035 4.1.1). */
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

/** How a name is answered when it is made to fail. */
export type Failure = 'SERVFAIL' | 'REFUSED' | 'silent';

function key(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The in-addr.arpa name of an IPv4 address. */
export function reverseName(address: string): string {
  return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
}

export class LocalDnsServer {
  /** Starts a server; `silent`: it reads the queries and never answers (a dead resolver). */
  public static async start(options: { silent?: boolean } = {}): Promise<LocalDnsServer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new LocalDnsServer(socket, options.silent ?? false);
  }

  /** The `--resolver` value that points at this server (also after stop(): nothing listens there then). */
  public readonly resolver: string;
  /** How many queries arrived, answered or not. */
  public queries = 0;
  private readonly ptr = new Map<string, string[]>();
  private readonly a = new Map<string, string[]>();
  private readonly failures = new Map<string, Failure>();

  private constructor(private readonly socket: dgram.Socket, private readonly silent: boolean) {
    this.resolver = `127.0.0.1:${socket.address().port}`;
    socket.on('message', (message, peer) => this.answer(message, peer));
  }


  /** Adds PTR records (names) for an address, after any it has. */
  public addPtr(address: string, ...names: string[]): this {
    const name = key(reverseName(address));
    this.ptr.set(name, [...this.ptr.get(name) ?? [], ...names]);
    return this;
  }

  /** Removes the PTR records of an address. */
  public removePtr(address: string): this {
    this.ptr.delete(key(reverseName(address)));
    return this;
  }

  /** Sets the A records of a name (none: removes it). */
  public setA(name: string, ...addresses: string[]): this {
    if (addresses.length === 0) {
      this.a.delete(key(name));
    } else {
      this.a.set(key(name), addresses);
    }
    return this;
  }

  /** Makes every query for `name` fail. */
  public fail(name: string, failure: Failure): this {
    this.failures.set(key(name), failure);
    return this;
  }

  /** A forward-confirmed zone for every address of `cidr`: PTR and A records named by `pattern` ({a}..{d}). */
  public addHealthyRange(cidr: string, pattern: string): this {
    const range = rangeOf(cidr);
    for (let n = range.network; n <= range.last; n++) {
      const address = formatIpv4(n);
      const [a, b, c, d] = address.split('.');
      const name = pattern.replace(/\{a\}/g, a).replace(/\{b\}/g, b).replace(/\{c\}/g, c).replace(/\{d\}/g, d);
      this.addPtr(address, name).setA(name, address);
    }
    return this;
  }

  public stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(message: Buffer, peer: dgram.RemoteInfo): void {
    this.queries++;
    if (this.silent) {
      return;
    }
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) {
      return;
    }
    const name = key(question.name);
    const failure = this.failures.get(name);
    if (failure === 'silent') {
      return;
    }
    let rcode: number = RCODE.NOERROR;
    let answers: packet.Answer[] = [];
    if (failure !== undefined) {
      rcode = RCODE[failure];
    } else if (!this.ptr.has(name) && !this.a.has(name)) {
      // The root (the CLI's probe) exists, without records of the asked type.
      rcode = name === '' || name === '.' ? RCODE.NOERROR : RCODE.NXDOMAIN;
    } else if (question.type === 'PTR') {
      answers = (this.ptr.get(name) ?? []).map((data) => ({ type: 'PTR', name: question.name, ttl: 60, data }));
    } else if (question.type === 'A') {
      answers = (this.a.get(name) ?? []).map((data) => ({ type: 'A', name: question.name, ttl: 60, data }));
    }
    const response = packet.encode({
      type: 'response',
      id: query.id,
      // RD and RA set, and the response code in the low four bits (distinct bits: a sum is their union).
      flags: packet.RECURSION_DESIRED + packet.RECURSION_AVAILABLE + rcode,
      questions: [question],
      answers,
    });
    this.socket.send(response, peer.port, peer.address);
  }
}
