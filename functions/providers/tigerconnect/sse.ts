/** One dispatched Server-Sent Events frame. */
export interface SseFrame {
  /** The `event:` field; absent means the default type ("message"). */
  event?: string;
  /** Every `data:` line of the frame joined with "\n". */
  data: string;
  /** The `id:` field when this frame carried one. */
  id?: string;
}

/**
 * Parse a block of `text/event-stream` text into frames, following the WHATWG event-stream
 * parsing rules: CRLF, LF or CR line ends; `:` comment lines; one optional space after the
 * colon; multi-line data joined with "\n"; frames without data are not dispatched; `id` values
 * containing NUL are ignored; unknown fields (and `retry`) are skipped.
 *
 * Two deliberate differences, both because the poller acks by the `event_id` inside the data:
 * `id` is reported only on the frame that carried it (not carried forward), and a trailing
 * frame without its closing blank line is dropped — it was cut off, is not acked, and the
 * stream replays it on the next connection.
 */
export function parseSseFrames(text: string): SseFrame[] {
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r\n|\r|\n/);
  // The last piece has no line end: it is an unfinished line, never part of a complete frame.
  lines.pop();
  const frames: SseFrame[] = [];
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;
  for (const line of lines) {
    if (line === '') {
      if (data.length > 0) {
        frames.push({
          ...(event !== undefined && event !== '' && { event }),
          data: data.join('\n'),
          ...(id !== undefined && { id }),
        });
      }
      data = [];
      event = undefined;
      id = undefined;
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const rawValue = colon === -1 ? '' : line.slice(colon + 1);
    const value = rawValue.startsWith(' ') ? rawValue.slice(1) : rawValue;
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\u0000')) id = value;
  }
  return frames;
}
