import { parseSseFrames, type SseFrame } from './sse';

/**
 * Where the last complete frame of `text` ends: just after its last empty line. A CR at the
 * very end is taken as a whole line end; if an LF follows in the next chunk (a split CRLF) it
 * reads as one more empty line, which dispatches nothing.
 */
export function completeFramesEnd(text: string): number {
  let end = 0;
  let lineStart = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char !== '\n' && char !== '\r') continue;
    const next = char === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1;
    if (i === lineStart) end = next;
    lineStart = next;
    i = next - 1;
  }
  return end;
}

/**
 * Turns a streamed `text/event-stream` body into frames as they complete. Network chunks cut
 * anywhere — inside a frame, a line, a CRLF or a multi-byte UTF-8 character — so bytes are
 * decoded in streaming mode and only text up to the last empty line goes to `parseSseFrames`;
 * the rest waits for the next chunk.
 */
export class SseFrameReader {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';

  /** Characters held back because their frame is not complete yet. */
  get pendingLength(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array): SseFrame[] {
    this.pending += this.decoder.decode(chunk, { stream: true });
    const end = completeFramesEnd(this.pending);
    if (end === 0) return [];
    const complete = this.pending.slice(0, end);
    this.pending = this.pending.slice(end);
    return parseSseFrames(complete);
  }
}
