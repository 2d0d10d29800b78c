import { parentPort } from 'node:worker_threads';
import type { DecodeReady, DecodeReply, DecodeRequest } from './decode-protocol.js';
import { InputError } from './errors.js';
import { toModelInput } from './model-input.js';

/**
 * A decode worker thread: turns one image at a time into a model input, so pngjs and jpeg-js
 * never run on the API's event loop. The pool times each image and ends this thread when one
 * takes too long; nothing here needs to know about it.
 */
const port = parentPort;
if (!port) throw new Error('decode-worker must run as a worker thread');

port.on('message', ({ id, bytes, options }: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const input = toModelInput(bytes, options);
    port.postMessage({ id, ok: true, input } satisfies DecodeReply, [input.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    reply =
      error instanceof InputError
        ? { id, ok: false, code: error.code, message: error.detail }
        : { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});

port.postMessage({ ready: true } satisfies DecodeReady);
