/**
 * The relay: carries stored events to every other channel of their bridge and to the bridge's
 * WebSocket clients. Files by concern: targets (routing), lanes + batch (ordering), deliver +
 * attempt + retries (one delivery), unknown-outcome (a send cut off mid-call: look before
 * sending again), message-map (edits, deletes, replies), web-fanout,
 * dead-letters and replay, record (delivery records and frames), ports (what it needs).
 */
export { relayBatch } from './batch';
export type { BatchRecord } from './lanes';
export { relayEventTo } from './deliver';
export type { RelayDeps, RelayInput } from './deps';
export { ATTEMPT_BUDGET_MS, RelayOutOfTimeError } from './retries';
export { replayDeadLetter } from './replay';
export { relayTargets, targetKey, webTargetKey } from './targets';
export * from './ports';
