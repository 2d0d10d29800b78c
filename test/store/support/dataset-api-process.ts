import { buildApp } from '../../../src/app.js';
import { createDatasetStore } from '../../../src/store/dataset-store.js';

// The API with an uploaded-data-set store, in a process of its own so a test can measure its
// resident memory or kill it mid-upload. Reports `{ port }` once listening; answers 'memory'
// with the current and the highest resident set size seen since the last 'reset'.

const [root, dataDir] = process.argv.slice(2);
if (!root || !dataDir || !process.send) throw new Error('usage: fork with <root> <dataDir>');
const send = process.send.bind(process);

const app = buildApp(
  {
    version: '0.0.0-test',
    readiness: async () => ({}),
    datasets: createDatasetStore(root),
    dataDir,
    datasetRoutes: { systemDirs: [] },
  },
  { logger: false },
);
await app.listen({ port: 0, host: '127.0.0.1' });

let peak = process.memoryUsage().rss;
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5).unref();

process.on('message', (message) => {
  const rss = process.memoryUsage().rss;
  peak = Math.max(peak, rss);
  if (message === 'reset') peak = rss;
  send({ rss, peak });
});
const address = app.server.address();
send({ port: typeof address === 'object' && address ? address.port : 0 });
