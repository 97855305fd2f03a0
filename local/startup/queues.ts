import { join } from 'node:path';
import { startSqsEmulator } from '../sqs/sqs-emulator';
import type { Closers } from './closers';
import type { LocalSettings } from './options';

/** The local dead-letter queue (SQS emulation) behind DEAD_LETTER_QUEUE_URL. */
export const DEAD_LETTER_QUEUE_NAME = 'chat-bridge-dead-letters';
const SQS_QUEUES_FILE = 'sqs-queues.json';

export async function startQueues({ host, dataDir }: LocalSettings, closers: Closers) {
  const sqs = await startSqsEmulator({
    host,
    queues: [DEAD_LETTER_QUEUE_NAME],
    ...(dataDir && { file: join(dataDir, SQS_QUEUES_FILE) }),
  });
  closers.add(() => sqs.close());
  const deadLetterQueueUrl = sqs.queueUrl(DEAD_LETTER_QUEUE_NAME);
  return { endpoint: sqs.endpoint, deadLetterQueueUrl };
}
