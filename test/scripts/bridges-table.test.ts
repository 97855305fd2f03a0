import { describe, expect, it } from 'vitest';
import { describeBridges } from '../../scripts/bridges-table';

describe('npm run bridges -- list: one line per bridge with its origin', () => {
  it('shows version, origin (with the rule that made it), status and channels', () => {
    // Act
    const text = describeBridges([
      {
        id: 'support',
        version: 2,
        origin: 'file',
        status: 'open',
        updatedAt: '',
        bridge: { channels: [{ provider: 'gitple', channel: 'room-7', direction: 'inout' }] },
      },
      {
        id: 'ps-support-0123456789abcdef',
        version: 2,
        origin: 'rule',
        ruleId: 'ps-support',
        status: 'closed',
        updatedAt: '',
        bridge: { channels: [{ provider: 'gitple', channel: 'room-7', direction: 'out' }] },
      },
    ]);

    // Assess
    expect(text.split('\n')).toEqual([
      'ID                           VERSION  ORIGIN           STATUS  CHANNELS',
      'support                      v2       file             open    gitple:room-7(inout)',
      'ps-support-0123456789abcdef  v2       rule:ps-support  closed  gitple:room-7(out)',
    ]);
    expect(describeBridges([])).toBe('no bridges');
  });
});
