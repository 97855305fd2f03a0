/**
 * In-memory implementations of the core's ports, honouring the same contracts as the DynamoDB,
 * SQS and API Gateway adapters, so core logic is tested without the embedded database.
 */
export { MemoryBroadcaster } from './broadcaster';
export { MemoryConnectionStore } from './connections';
export { MemoryDeadLetterQueue } from './dead-letters';
export { MemoryEventStore } from './event-store';
export { MemoryRelayState } from './relay-state';
export { MemorySendOrderStore } from './send-order';
