import { describe, expect, it } from 'vitest';
import { addressKind, refusalOf } from '../../../functions/providers/webhook/address-guard';

describe('which addresses a customer URL may reach', () => {
  it.each([
    ['93.184.215.14', 'public'],
    ['8.8.8.8', 'public'],
    ['169.254.169.254', 'metadata'],
    ['169.254.10.1', 'link-local'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2606:2800:220:1:248:1893:25c8:1946', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(addressKind(address)).toBe(kind);
  });

  it('allows loopback only where the local runtime says so, and never a private address', () => {
    expect(refusalOf('127.0.0.1', { allowLoopback: false })).toBe('a loopback address');
    expect(refusalOf('127.0.0.1', { allowLoopback: true })).toBeUndefined();
    expect(refusalOf('::1', { allowLoopback: true })).toBeUndefined();
    expect(refusalOf('10.0.0.1', { allowLoopback: true })).toBe('a private address');
    expect(refusalOf('8.8.8.8', { allowLoopback: false })).toBeUndefined();
    expect(refusalOf('example.com', { allowLoopback: true })).toBe('not an IP address');
  });
});
