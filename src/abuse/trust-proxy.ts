import { BlockList, isIPv4 } from 'node:net'
import type { Config } from '../config.js'

/** Loopback, link-local and private ranges: where a reverse proxy in front of the portal sits. */
const privateRanges = new BlockList()
for (const [network, prefix] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16]] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) privateRanges.addSubnet(network, prefix, 'ipv6')

export function isPrivateAddress (address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  const v4 = mapped ?? address
  return isIPv4(v4) ? privateRanges.check(v4, 'ipv4') : privateRanges.check(address, 'ipv6')
}

export type TrustProxyOption = false | string[] | ((address: string, hop: number) => boolean)

/**
 * TRUST_PROXY as Fastify's trustProxy. Fastify refuses a bare hop count (it would believe
 * any client that connects directly); here a hop count believes that many proxies, each
 * on a private or loopback address, so a client reaching the portal from the internet
 * without the proxy is never believed.
 */
export function trustProxyOption (trust: Config['trustProxy']): TrustProxyOption {
  if (typeof trust !== 'number') return trust
  return (address, hop) => hop < trust && isPrivateAddress(address)
}
