// dynalite on its own thread (see startEmbeddedDynamo): the store's request parsing and
// LevelDB work run beside the handlers instead of taking turns with them on one event loop.
// Plain JavaScript so the thread needs no TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const { options, port, host } = workerData;
const server = dynalite(options);
server.once('error', (error) => parentPort.postMessage({ error: String(error) }));
server.listen(port, host, () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
