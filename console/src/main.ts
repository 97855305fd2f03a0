import { ChatBridgeClient, type BridgeEvent } from '../../client/src';
import { ConsoleApi, type DeadLetterSummary } from './api';
import { BridgesPanel } from './bridges';
import { byId, cell, DeliveryBoard, eventCells, readClaims } from './view';

const TOKEN_KEY = 'chat-bridge-console-token';
const wsUrl =
  document.querySelector<HTMLMetaElement>('meta[name="chat-bridge-websocket"]')?.content ?? '';
// The page is `<api>/console`: the API is everything before it (a named stage included).
const apiBase = `${location.origin}${location.pathname.replace(/\/console\/?$/, '')}`;

// A token in the fragment never reaches a server; keep it for this tab and drop it from the URL.
const fragmentToken = new URLSearchParams(location.hash.slice(1)).get('token');
if (fragmentToken) {
  sessionStorage.setItem(TOKEN_KEY, fragmentToken);
  history.replaceState(null, '', location.pathname + location.search);
}
const tokenInput = byId<HTMLInputElement>('token');
tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
const token = () => tokenInput.value.trim();
const api = new ConsoleApi(apiBase, token);
const board = new DeliveryBoard();
const bridgesPanel = new BridgesPanel(api);
let client: ChatBridgeClient | undefined;
let watching: string | undefined;
let historyNext: string | null = null;

function showError(message: string): void {
  const line = document.createElement('div');
  line.textContent = `${new Date().toLocaleTimeString()} ${message}`;
  byId('errors').prepend(line);
}

function showIdentity(): void {
  const claims = readClaims(token());
  byId('who').textContent = claims.sub
    ? `signed in as ${claims.name ?? claims.sub}${claims.roles.length ? ` (${claims.roles.join(', ')})` : ''}`
    : '';
  const operator = claims.roles.includes('operator');
  byId('dead-letters-panel').hidden = !operator;
  const bridges = byId('bridges-panel');
  if (operator && bridges.hidden) void bridgesPanel.refresh();
  bridges.hidden = !operator;
}

function watch(): void {
  const bridge = byId<HTMLInputElement>('bridge').value.trim();
  if (!token() || !bridge) return showError('enter an app JWT and a bridge id');
  sessionStorage.setItem(TOKEN_KEY, token());
  showIdentity();
  if (!client) client = connect();
  if (watching && watching !== bridge) client.unsubscribe(watching);
  if (watching !== bridge) {
    byId('live').replaceChildren();
    byId('history').replaceChildren();
    historyNext = null;
  }
  watching = bridge;
  // Every delivery of every event, not only the ones this user sent.
  client.subscribe(bridge, { deliveries: true });
  void loadBridgeIds();
  if (!byId('dead-letters-panel').hidden) void refreshDeadLetters();
}

function connect(): ChatBridgeClient {
  const created = new ChatBridgeClient({ url: wsUrl, token });
  created.on('state', ({ state, delayMs }) => {
    const pill = byId('connection');
    pill.dataset.state = state;
    pill.textContent =
      state === 'reconnecting' && delayMs !== undefined
        ? `reconnecting in ${(delayMs / 1000).toFixed(1)} s`
        : state;
  });
  created.on('subscribed', ({ bridge }) => {
    byId('connection').dataset.subscribed = bridge;
  });
  created.on('event', ({ event }) => addLiveEvent(event));
  created.on('delivery', (frame) => board.update(frame));
  created.on('error', (frame) =>
    showError(`${frame.action ? `${frame.action}: ` : ''}${frame.code}: ${frame.message}`),
  );
  created.connect();
  return created;
}

function addLiveEvent(event: BridgeEvent): void {
  const row = document.createElement('tr');
  row.dataset.eventId = event.id;
  row.append(...eventCells(event), board.cellFor(event.id));
  byId('live').prepend(row);
  byId('live-count').textContent = `(${byId('live').childElementCount})`;
}

async function loadHistory(fromStart: boolean): Promise<void> {
  if (!watching) return showError('watch a bridge first');
  const status = byId('history-status');
  try {
    const page = await api.history(watching, fromStart ? undefined : (historyNext ?? undefined));
    if (fromStart) byId('history').replaceChildren();
    for (const { event } of page.events) {
      const row = document.createElement('tr');
      row.append(...eventCells(event), cell(event.id, 'id'));
      byId('history').append(row);
    }
    historyNext = page.next;
    byId<HTMLButtonElement>('history-next').disabled = page.next === null;
    status.textContent = `${byId('history').childElementCount} event(s)${page.next ? ', more after' : ', up to now'}`;
  } catch (error) {
    showError(`history: ${(error as Error).message}`);
  }
}

async function refreshDeadLetters(): Promise<void> {
  const status = byId('dead-letters-status');
  try {
    const { letters } = await api.deadLetters();
    byId('dead-letters').replaceChildren(...letters.map(deadLetterRow));
    status.textContent = letters.length ? `${letters.length} parked` : 'none parked';
  } catch (error) {
    status.textContent = '';
    showError(`dead letters: ${(error as Error).message}`);
  }
}

function deadLetterRow(letter: DeadLetterSummary): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.messageId = letter.messageId;
  const replay = document.createElement('button');
  replay.textContent = 'Replay';
  replay.addEventListener('click', () => void replayLetter(letter, replay));
  const action = document.createElement('td');
  action.append(replay);
  row.append(
    cell(new Date(letter.failedAt).toLocaleString()),
    cell(`${letter.type.replace(/^chat\./, '')} ${letter.eventId}`, 'id'),
    cell(letter.target),
    cell(String(letter.attempts)),
    cell(letter.error),
    action,
  );
  return row;
}

async function replayLetter(letter: DeadLetterSummary, button: HTMLButtonElement) {
  button.disabled = true;
  const status = byId('dead-letters-status');
  try {
    const result = await api.replay(letter.messageId);
    const outcome = result.replayed.map((r) => `${r.target}: ${r.status}`).join(', ');
    await refreshDeadLetters();
    status.textContent = `replayed ${letter.eventId} → ${outcome || 'nothing'}`;
  } catch (error) {
    button.disabled = false;
    showError(`replay: ${(error as Error).message}`);
  }
}

async function loadBridgeIds(): Promise<void> {
  const ids = await api.bridgeIds();
  byId('bridges').replaceChildren(
    ...ids.map((id) => Object.assign(document.createElement('option'), { value: id })),
  );
}

byId('watch').addEventListener('click', watch);
byId('history-first').addEventListener('click', () => void loadHistory(true));
byId('history-next').addEventListener('click', () => void loadHistory(false));
byId('dead-letters-refresh').addEventListener('click', () => void refreshDeadLetters());
byId<HTMLFormElement>('send-form').addEventListener('submit', (submit) => {
  submit.preventDefault();
  const input = byId<HTMLInputElement>('send-text');
  if (!client || !watching || !input.value.trim()) return;
  client.send(watching, input.value.trim()).catch((error: Error) => showError(error.message));
  input.value = '';
});
if (!wsUrl || wsUrl.startsWith('__')) showError('this page was served without a WebSocket URL');
showIdentity();
if (token()) watch();
