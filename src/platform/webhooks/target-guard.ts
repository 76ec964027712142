/** @module The SSRF guard for webhook targets: http(s) URLs only, and every resolved address checked against private, loopback, link-local and metadata ranges. */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { TrellisError } from '../../core/errors.js';

/** Which non-public targets are allowed (`webhookAllowPrivateTargets`). */
export type PrivateTargets = 'off' | 'loopback' | 'on';

/** A checked address to connect to. */
export interface ResolvedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

// Everything that is not the public internet: RFC 6890 special-purpose ranges, cloud metadata (169.254.169.254 and
// fd00:ec2::254 fall in link-local and unique-local), CGNAT, multicast and reserved space.
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1] as string;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Why an address may not be a webhook target under the setting, or null when it may. */
export function refusalReason(address: string, allow: PrivateTargets): string | null {
  if (allow === 'on') return null;
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const inner = family === 6 ? embeddedIpv4(address) : null;
  if (inner !== null) return refusalReason(inner, allow);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (allow === 'loopback' && loopback.check(address, type)) return null;
  if (nonPublic.check(address, type)) return `${address} is a private, loopback, link-local, metadata or reserved address`;
  return null;
}

/**
 * Parses and checks a webhook URL without resolving it: http or https, a host, no credentials, at most 2,048
 * characters, and an IP-literal host that is allowed. Throws `validation_failed` or `webhook_target_refused`.
 */
export function checkUrl(raw: string, allow: PrivateTargets): URL {
  let url: URL;
  if (typeof raw !== 'string' || raw.length > 2048) throw new TrellisError('validation_failed', 'url must be at most 2048 characters', { field: 'url' });
  try {
    url = new URL(raw);
  } catch {
    throw new TrellisError('validation_failed', `url ${JSON.stringify(raw.slice(0, 200))} is not a valid URL`, { field: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TrellisError('validation_failed', `url must use http or https, not ${JSON.stringify(url.protocol.replace(/:$/, ''))}`, { field: 'url' });
  }
  if (url.hostname === '') throw new TrellisError('validation_failed', 'url needs a host', { field: 'url' });
  if (url.username !== '' || url.password !== '') throw new TrellisError('validation_failed', 'url must not carry credentials', { field: 'url' });
  const host = hostOf(url);
  if (isIP(host) !== 0) {
    const reason = refusalReason(host, allow);
    if (reason) throw new TrellisError('webhook_target_refused', `url refused: ${reason}`, { field: 'url' });
  }
  return url;
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the URL's host and checks every address it resolves to; returns the first, which the request must then
 * connect to (pinned), so a second resolution cannot swap in another address (DNS rebinding).
 * Throws `webhook_target_refused` when any address is refused or the name does not resolve.
 */
export async function resolveTarget(url: URL, allow: PrivateTargets): Promise<ResolvedTarget> {
  const host = hostOf(url);
  const literal = isIP(host);
  let addresses: { address: string; family: number }[];
  if (literal !== 0) {
    addresses = [{ address: host, family: literal }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (error) {
      throw new TrellisError('webhook_target_refused', `url refused: ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
        field: 'url',
      });
    }
  }
  for (const { address } of addresses) {
    const reason = refusalReason(address, allow);
    if (reason) throw new TrellisError('webhook_target_refused', `url refused: ${host} resolves to ${reason}`, { field: 'url' });
  }
  const first = addresses[0];
  if (!first) throw new TrellisError('webhook_target_refused', `url refused: ${host} has no address`, { field: 'url' });
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
