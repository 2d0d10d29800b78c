import { Worker } from 'node:worker_threads';
import { workerEntry } from '../../src/ml/worker-entry.js';

/** One predict request: the images as multipart files, or as base64 instances in JSON. */
export type PredictRequest = { files: Uint8Array[] } | { instances: Uint8Array[] };

/** An answer as the assertions read it: the fields of supertest's response they use. */
export interface PredictAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed JSON body, as supertest's `body`.
  body: any;
}

/** What the client thread is started with. */
export interface PredictClientSetup {
  url: string;
  requests: PredictRequest[];
}

export interface PredictClient {
  /** Sends the requests one after another; resolves with their answers and ends the thread. */
  send(): Promise<PredictAnswer[]>;
}

/**
 * Starts a thread that will post `requests` to `url`, and resolves once it is ready. Building
 * the bodies (a megabyte of base64, multipart) and reading the answers then costs this thread
 * nothing, so that its CPU time, which the `/healthz` probe measures, counts the API's work only.
 *
 * One request at a time, so that a `/healthz` answer waits on one request's work at most: the
 * bound is per request. Requests that arrive together add up (four hostile ones sent at once
 * held the API's loop 38 to 47 ms within one answer here), and no bound that ignores how many
 * arrive could hold.
 */
export async function startPredictClient(
  url: string,
  requests: PredictRequest[],
): Promise<PredictClient> {
  const entry = workerEntry(import.meta.url, 'predict-client-worker');
  const setup: PredictClientSetup = { url, requests };
  const worker = new Worker(entry.url, { eval: entry.eval, workerData: setup });
  const ended = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`predict client exited with code ${code}`)));
  });
  const message = () => new Promise<unknown>((resolve) => worker.once('message', resolve));
  await Promise.race([message(), ended]);
  return {
    async send() {
      const answers = message();
      worker.postMessage('send');
      try {
        return (await Promise.race([answers, ended])) as PredictAnswer[];
      } finally {
        await worker.terminate();
      }
    },
  };
}
