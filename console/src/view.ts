import type { BridgeEvent, DeliveryFrame } from '../../client/src';

/** `document.getElementById` that fails loudly: the page and its script ship together. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the console page has no #${id}`);
  return element as T;
}

export function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** The columns every event row shares: when, what, who, and the text. */
export function eventCells(event: BridgeEvent): HTMLTableCellElement[] {
  const time = new Date(event.time);
  const sender = event.data.sender;
  return [
    cell(Number.isNaN(time.getTime()) ? event.time : time.toLocaleTimeString()),
    cell(`${event.type.replace(/^chat\./, '')} · ${event.data.provider}`),
    cell(sender ? (sender.displayName ?? sender.id) : ''),
    cell(event.data.message?.text ?? ''),
  ];
}

/**
 * Delivery chips per event and target, kept even before the event's row exists (a delivery
 * frame can overtake its event) and updated in place as a retry settles.
 */
export class DeliveryBoard {
  private readonly byEvent = new Map<string, Map<string, DeliveryFrame>>();
  private readonly cells = new Map<string, HTMLTableCellElement>();

  cellFor(eventId: string): HTMLTableCellElement {
    const td = document.createElement('td');
    td.className = 'deliveries';
    td.dataset.eventId = eventId;
    this.cells.set(eventId, td);
    this.render(eventId);
    return td;
  }

  update(frame: DeliveryFrame): void {
    let targets = this.byEvent.get(frame.eventId);
    if (!targets) this.byEvent.set(frame.eventId, (targets = new Map()));
    targets.set(`${frame.target}#${frame.channel ?? ''}`, frame);
    this.render(frame.eventId);
  }

  private render(eventId: string): void {
    const td = this.cells.get(eventId);
    if (!td) return;
    td.replaceChildren(
      ...[...(this.byEvent.get(eventId)?.values() ?? [])].map((frame) => {
        const chip = document.createElement('span');
        chip.className = 'chip';
        chip.dataset.status = frame.status;
        chip.dataset.target = frame.target;
        chip.textContent = `${frame.target}: ${frame.status}`;
        // Sent again after an interrupted send it could not look for: the target may show it twice.
        if (frame.mayDuplicate) {
          chip.dataset.mayDuplicate = 'true';
          chip.append(' · may duplicate');
        }
        if (frame.detail) {
          const detail = document.createElement('small');
          detail.textContent = frame.detail;
          chip.append(detail);
        }
        return chip;
      }),
    );
    if (td.childElementCount === 0) td.textContent = '…';
  }
}

/** The claims a person needs to see (who am I, am I an operator); the server verifies them. */
export function readClaims(token: string): { sub?: string; name?: string; roles: string[] } {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { sub?: string; name?: string; roles?: unknown };
    return { ...claims, roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [] };
  } catch {
    return { roles: [] };
  }
}
