import { BlockList, isIP } from 'node:net';

/** One entry of an address list: an IPv4 or IPv6 address, with a prefix length for a subnet. */
export interface AddressRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** "10.0.0.0/8", "127.0.0.1" (a /32), "2001:db8::/32", "::1" (a /128); undefined when it is none of those. */
export function parseAddressRange(entry: string): AddressRange | undefined {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const version = address.includes('%') ? 0 : isIP(address); // zone ids (fe80::1%eth0) name an interface, not a client
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (slash < 0) return { address, prefix: bits, family: version === 4 ? 'ipv4' : 'ipv6' };
  const prefixText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  return { address, prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * A set of client addresses and subnets. An IPv4 entry also matches the IPv4-mapped IPv6 form
 * (::ffff:127.0.0.1) that a dual-stack socket reports for IPv4 clients, and an IPv4-mapped IPv6
 * entry matches the plain IPv4 form (node's BlockList does both).
 */
export class AddressRanges {
  private readonly list = new BlockList();

  constructor(readonly ranges: readonly AddressRange[]) {
    for (const range of ranges) this.list.addSubnet(range.address, range.prefix, range.family);
  }

  /**
   * A comma-separated list ("127.0.0.1/32, 10.0.0.0/8, ::1"); an empty text is an empty list.
   * Throws RangeError naming the first entry that is not an address or subnet.
   */
  static parse(text: string): AddressRanges {
    const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean);
    return new AddressRanges(
      entries.map((entry) => {
        const range = parseAddressRange(entry);
        if (!range) throw new RangeError(`"${entry}" is not an IP address or subnet`);
        return range;
      }),
    );
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** Whether a client address (as Express reports it in request.ip) is in the set; anything unparsable is not. */
  includes(address: string | undefined): boolean {
    if (!address || this.isEmpty) return false;
    const version = isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }

  /** The entries in the form they are configured, e.g. ["10.0.0.0/8", "::1/128"]. */
  toStrings(): string[] {
    return this.ranges.map((range) => `${range.address}/${range.prefix}`);
  }
}
