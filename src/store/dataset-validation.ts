import { Worker } from 'node:worker_threads';
import {
  DataFormatError,
  type DataFormatErrorCode,
  type DataLimits,
  type DataSummary,
} from '../data/index.js';
import { workerEntry } from '../ml/worker-entry.js';

export interface ValidationRequest {
  format: 'csv' | 'idx';
  /** Staged files by part: `train` and `test`, or `trainImages`, `trainLabels`, ... */
  paths: Record<string, string>;
  limits: DataLimits;
}

export type ValidationReply =
  | { ok: true; train: DataSummary; test: DataSummary }
  | { ok: false; fault: { code: DataFormatErrorCode; file: string; message: string } }
  | { ok: false; message: string };

/**
 * A heap limit for the validating thread. The scans keep one CSV row or gunzip chunk at a
 * time, so this is never reached by a well-behaved scan; it is there so that a fault in one
 * can only end that thread, not the API.
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16 };

/**
 * Checks the staged files of an upload in a worker thread, streaming, within `limits`.
 * Rejects with the reader's `DataFormatError` when a file is malformed or too large.
 */
export function validateUpload(request: ValidationRequest): Promise<{
  train: DataSummary;
  test: DataSummary;
}> {
  const entry = workerEntry(import.meta.url, 'dataset-validation-worker');
  const worker = new Worker(entry.url, {
    eval: entry.eval,
    workerData: request,
    resourceLimits: WORKER_LIMITS,
  });
  return new Promise((resolve, reject) => {
    let replied = false;
    worker.once('message', (reply: ValidationReply) => {
      replied = true;
      if (reply.ok) resolve({ train: reply.train, test: reply.test });
      else if ('fault' in reply) reject(formatError(reply.fault));
      else reject(new Error(`data set validation failed: ${reply.message}`));
    });
    worker.once('error', (err) => {
      replied = true;
      reject(new Error(`data set validation thread failed: ${err.message}`, { cause: err }));
    });
    worker.once('exit', (code) => {
      if (!replied) reject(new Error(`data set validation thread exited with code ${code}`));
    });
  });
}

function formatError(fault: { code: DataFormatErrorCode; file: string; message: string }) {
  const prefix = `${fault.file}: `;
  const detail = fault.message.startsWith(prefix)
    ? fault.message.slice(prefix.length)
    : fault.message;
  return new DataFormatError(fault.code, fault.file, detail);
}
