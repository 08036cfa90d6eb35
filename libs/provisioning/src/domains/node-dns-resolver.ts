import { Resolver } from 'node:dns/promises';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { AppConfig } from '#platform';
import type { DnsAnswerOf, DnsFailure, DnsLookup, DnsLookupOptions, DnsRecordType } from './dns-resolver.port.js';
import { DnsResolver } from './dns-resolver.port.js';

/** Options of the node:dns adapter; the servers default to AppConfig's domains.resolvers. */
export interface NodeDnsOptions {
  /** "ip", "ip:port" or "[ipv6]:port"; empty: the system's resolvers (/etc/resolv.conf). */
  servers?: readonly string[];
  timeoutMs?: number;
  tries?: number;
}

export const NODE_DNS_OPTIONS = Symbol('NODE_DNS_OPTIONS');

/** c-ares error codes as node:dns reports them, and what they mean for us. */
export function dnsFailureOf(code: string | undefined): DnsFailure | 'nodata' {
  switch (code) {
    case 'ENODATA':
      return 'nodata';
    case 'ENOTFOUND':
      return 'nxdomain';
    case 'ESERVFAIL':
      return 'servfail';
    case 'EREFUSED':
      return 'refused';
    case 'ETIMEOUT':
      return 'timeout';
    default:
      return 'error';
  }
}

const normalName = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** DnsResolver on node:dns (c-ares): no cache, so a record the owner just added is seen at once. */
@Injectable()
export class NodeDnsResolver extends DnsResolver {
  private readonly servers: readonly string[];
  private readonly timeoutMs: number;
  private readonly tries: number;
  /** One c-ares channel per timeout (a channel's timeout is fixed when it is made). */
  private readonly channels = new Map<number, Resolver>();

  constructor(@Optional() config?: AppConfig, @Optional() @Inject(NODE_DNS_OPTIONS) options: NodeDnsOptions = {}) {
    super();
    this.servers = options.servers ?? config?.domains.resolvers ?? [];
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.tries = options.tries ?? 2;
    this.channel(this.timeoutMs); // a malformed server list fails at start, not at the first lookup
  }

  async lookup<T extends DnsRecordType>(name: string, type: T, options: DnsLookupOptions = {}): Promise<DnsLookup<DnsAnswerOf[T]>> {
    const resolver = this.channel(options.timeoutMs ?? this.timeoutMs);
    try {
      return { ok: true, records: (await this.ask(resolver, normalName(name), type)) as DnsAnswerOf[T][] };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const failure = dnsFailureOf(code);
      if (failure === 'nodata') return { ok: true, records: [] };
      return { ok: false, failure, detail: `${type} ${name}: ${code ?? (error as Error).message}` };
    }
  }

  private async ask(resolver: Resolver, name: string, type: DnsRecordType): Promise<DnsAnswerOf[DnsRecordType][]> {
    switch (type) {
      case 'A':
        return resolver.resolve4(name);
      case 'AAAA':
        return resolver.resolve6(name);
      case 'CNAME':
        return (await resolver.resolveCname(name)).map(normalName);
      case 'TXT':
        // a TXT record may come in 255-byte chunks: one record is their concatenation
        return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
      case 'SRV':
        return (await resolver.resolveSrv(name)).map(({ priority, weight, port, name: target }) => ({ priority, weight, port, target: normalName(target) }));
    }
  }

  private channel(timeoutMs: number): Resolver {
    let resolver = this.channels.get(timeoutMs);
    if (!resolver) {
      resolver = new Resolver({ timeout: timeoutMs, tries: this.tries });
      if (this.servers.length) resolver.setServers([...this.servers]);
      this.channels.set(timeoutMs, resolver);
    }
    return resolver;
  }
}
