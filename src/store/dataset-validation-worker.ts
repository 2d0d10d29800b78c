import { parentPort, workerData } from 'node:worker_threads';
import { DataFormatError, scanFashionCsv, scanIdxPair } from '../data/index.js';
import type { ValidationReply, ValidationRequest } from './dataset-validation.js';

// Validates one upload in its own thread: the scans parse every byte (seconds for a large
// CSV), so the API's event loop keeps answering meanwhile.

const port = parentPort;
if (!port) throw new Error('dataset-validation-worker must run in a worker thread');
const { format, paths, limits } = workerData as ValidationRequest;

async function validate(): Promise<ValidationReply> {
  try {
    // One after the other: the first fault is the one reported.
    const at = (part: string) => {
      const path = paths[part];
      if (path === undefined) throw new Error(`no staged file for part '${part}'`);
      return path;
    };
    const scan = (set: 'train' | 'test') =>
      format === 'csv'
        ? scanFashionCsv(at(set), { limits })
        : scanIdxPair(at(`${set}Images`), at(`${set}Labels`), { limits });
    const train = await scan('train');
    const test = await scan('test');
    return { ok: true, train, test };
  } catch (err) {
    if (err instanceof DataFormatError) {
      return { ok: false, fault: { code: err.code, file: err.file, message: err.message } };
    }
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

port.postMessage(await validate());
