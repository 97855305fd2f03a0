/** A bridge as `GET /bridges` lists it. */
export interface ListedBridge {
  id: string;
  version: number;
  origin: string;
  status: string;
  ruleId?: string;
  updatedAt: string;
  bridge: { channels: { provider: string; channel: string; direction: string }[] };
}

/** One line per bridge: id, version, origin (and rule), status, channels. */
export function describeBridges(bridges: readonly ListedBridge[]): string {
  if (bridges.length === 0) return 'no bridges';
  const rows = bridges.map((b) => [
    b.id,
    `v${b.version}`,
    b.ruleId ? `${b.origin}:${b.ruleId}` : b.origin,
    b.status,
    b.bridge.channels.map((c) => `${c.provider}:${c.channel}(${c.direction})`).join(' '),
  ]);
  const header = ['ID', 'VERSION', 'ORIGIN', 'STATUS', 'CHANNELS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
    )
    .join('\n');
}
