import {
  ApiProblem,
  type BridgeDocument,
  type BridgeView,
  type ConsoleApi,
  type Direction,
} from './api';
import { byId, cell } from './view';

const DIRECTIONS: Direction[] = ['inout', 'in', 'out'];
/** What a 412 means to the person editing: someone else wrote the bridge since it was read. */
const CHANGED_ELSEWHERE = 'Changed by someone else — reload to see it, then edit again.';

/**
 * The operators' bridges panel: the list, and an editor that creates a bridge, changes its
 * channels and their directions, and closes it. Every change names the version it was read at
 * (`If-Match`), so an edit made on a stale copy is refused (412) instead of overwriting.
 */
export class BridgesPanel {
  /** The bridge being edited as last read (undefined: a new one). */
  private editing: BridgeView | undefined;
  private providers: string[] = [];

  constructor(private readonly api: ConsoleApi) {
    byId('bridges-refresh').addEventListener('click', () => void this.refresh(true));
    byId('bridge-new').addEventListener('click', () => this.open(undefined));
    byId('channel-add').addEventListener('click', () => this.addChannel());
    byId('bridge-reload').addEventListener('click', () => void this.reload());
    byId('bridge-close').addEventListener('click', () => void this.close());
    byId('bridge-cancel').addEventListener('click', () => this.hide());
    byId<HTMLFormElement>('bridge-form').addEventListener('submit', (submit) => {
      submit.preventDefault();
      void this.save();
    });
  }

  /** Read the list again; `announce` says how many there are in the status line. */
  async refresh(announce = true): Promise<void> {
    if (this.providers.length === 0) {
      this.providers = (await this.api.providers().catch(() => [])).filter((p) => p !== 'web');
    }
    try {
      const { bridges } = await this.api.bridges();
      byId('bridges-list').replaceChildren(...bridges.map((view) => this.row(view)));
      if (announce) this.status(`${bridges.length} bridge(s)`);
    } catch (error) {
      this.status(`bridges: ${(error as Error).message}`);
    }
  }

  private row(view: BridgeView): HTMLTableRowElement {
    const row = document.createElement('tr');
    row.dataset.bridgeId = view.id;
    const edit = document.createElement('button');
    edit.type = 'button';
    edit.textContent = 'Edit';
    edit.setAttribute('aria-label', `Edit bridge ${view.id}`);
    edit.addEventListener('click', () => this.open(view));
    const action = document.createElement('td');
    action.append(edit);
    const channels = view.bridge.channels
      .map((c) => `${c.provider}:${c.channel} (${c.direction ?? 'inout'})`)
      .join(', ');
    row.append(
      cell(view.id, 'id'),
      cell(String(view.version)),
      cell(view.ruleId ? `${view.origin} (${view.ruleId})` : view.origin),
      cell(view.status),
      cell(channels),
      action,
    );
    return row;
  }

  /** Show the editor for an existing bridge (as read) or a new one. */
  private open(view: BridgeView | undefined): void {
    this.editing = view;
    byId('bridge-form').hidden = false;
    byId('bridge-form-title').textContent = view ? `Edit bridge ${view.id}` : 'New bridge';
    const id = byId<HTMLInputElement>('bridge-id');
    id.value = view?.id ?? '';
    id.readOnly = view !== undefined;
    byId('bridge-version').textContent = view ? `version ${view.version}` : '';
    byId<HTMLButtonElement>('bridge-close').hidden = view === undefined;
    byId('bridge-channels').replaceChildren();
    for (const channel of view?.bridge.channels ?? [{ provider: '', channel: '' }]) {
      this.addChannel(channel);
    }
    this.problem('');
    (view ? byId('bridge-channels').querySelector('input') : id)?.focus();
  }

  private hide(): void {
    this.editing = undefined;
    byId('bridge-form').hidden = true;
    this.problem('');
  }

  private addChannel(channel: BridgeDocument['channels'][number] = { provider: '', channel: '' }) {
    const item = document.createElement('li');
    item.className = 'channel';
    const provider = select(['', ...this.providers], channel.provider);
    const id = Object.assign(document.createElement('input'), { value: channel.channel });
    const direction = select(DIRECTIONS, channel.direction ?? 'inout');
    provider.required = id.required = true;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = 'Remove';
    remove.addEventListener('click', () => {
      item.remove();
      this.renumber();
    });
    item.append(
      labelled('Provider', provider),
      labelled('Channel', id),
      labelled('Direction', direction),
      remove,
    );
    byId('bridge-channels').append(item);
    this.renumber();
  }

  /** Labels say which channel they belong to ("Channel 2"), so each field's name is unique. */
  private renumber(): void {
    byId('bridge-channels')
      .querySelectorAll('li')
      .forEach((item, i) => {
        item.querySelectorAll('label').forEach((label) => {
          label.firstChild!.textContent = `${label.dataset.field} ${i + 1}`;
        });
        item.querySelector('button')!.setAttribute('aria-label', `Remove channel ${i + 1}`);
      });
  }

  /** The document to PUT: the channels as edited; the rest as read (or the defaults). */
  private document(): BridgeDocument {
    const channels = [...byId('bridge-channels').querySelectorAll('li')].map((item) => {
      const [provider, channel, direction] = [...item.querySelectorAll('select, input')].map(
        (control) => (control as HTMLInputElement | HTMLSelectElement).value.trim(),
      );
      const base = this.editing?.bridge.channels.find(
        (c) => c.provider === provider && c.channel === channel,
      );
      return {
        ...base,
        provider: provider!,
        channel: channel!,
        direction: direction as Direction,
      };
    });
    const id = byId<HTMLInputElement>('bridge-id').value.trim();
    return { ...this.editing?.bridge, id, channels };
  }

  private async save(): Promise<void> {
    const document = this.document();
    try {
      const saved = await this.api.putBridge(document, this.editing?.version);
      this.open(saved);
      await this.refresh(false);
      this.status(`saved ${saved.id} (version ${saved.version})`);
    } catch (error) {
      this.failed(error);
    }
  }

  private async close(): Promise<void> {
    const editing = this.editing;
    if (!editing) return;
    try {
      await this.api.deleteBridge(editing.id, editing.version);
      this.hide();
      await this.refresh(false);
      this.status(`closed ${editing.id}`);
    } catch (error) {
      this.failed(error);
    }
  }

  /** After a 412: read the bridge again into the editor, dropping the stale edit. */
  private async reload(): Promise<void> {
    const id = this.editing?.id;
    if (id === undefined) return;
    try {
      this.open(await this.api.bridge(id));
      this.status(`reloaded ${id}`);
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    const stale = error instanceof ApiProblem && error.status === 412;
    this.problem(stale ? CHANGED_ELSEWHERE : (error as Error).message);
    byId<HTMLButtonElement>('bridge-reload').hidden = !stale;
    if (stale) {
      byId('bridge-reload').focus();
      void this.refresh(false);
    }
  }

  private problem(message: string): void {
    byId('bridge-problem').textContent = message;
    if (message === '') byId<HTMLButtonElement>('bridge-reload').hidden = true;
  }

  private status(message: string): void {
    byId('bridges-status').textContent = message;
  }
}

function select(values: readonly string[], selected: string): HTMLSelectElement {
  const control = document.createElement('select');
  const options = values.includes(selected) ? values : [...values, selected];
  control.append(
    ...options.map((value) =>
      Object.assign(document.createElement('option'), { value, textContent: value || '—' }),
    ),
  );
  control.value = selected;
  return control;
}

let controls = 0;

/** A visible label tied to its control by id: each field's accessible name is the label alone. */
function labelled(field: string, control: HTMLInputElement | HTMLSelectElement): HTMLElement {
  control.id = `bridge-field-${(controls += 1)}`;
  const label = document.createElement('label');
  label.htmlFor = control.id;
  label.dataset.field = field;
  label.append(document.createElement('span'));
  const wrap = document.createElement('span');
  wrap.className = 'field';
  wrap.append(label, control);
  return wrap;
}
