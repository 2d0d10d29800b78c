import { Worker } from 'node:worker_threads';
import { workerEntry } from '../ml/worker-entry.js';
import type { DecodeReady, DecodeReply, DecodeRequest } from './decode-protocol.js';

/** One decode worker thread, running one image at a time. */
export class DecodeThread {
  private readonly worker: Worker;
  private waiting: ((reply: DecodeReply) => void) | undefined;
  private nextId = 0;
  private isReady = false;
  private stopped = false;

  /**
   * `onReady` is called once the thread takes work; `onExit` when it ended by itself (a crash
   * or a failed start), with whatever it was decoding rejected first.
   */
  constructor(
    private readonly onReady: () => void,
    private readonly onExit: (error: Error) => void,
  ) {
    const entry = workerEntry(import.meta.url, 'decode-worker');
    this.worker = new Worker(entry.url, { eval: entry.eval });
    // Idle threads must not keep a process alive that has nothing else to do.
    this.worker.unref();
    this.worker.on('message', (message: DecodeReply | DecodeReady) => {
      if ('ready' in message) {
        this.isReady = true;
        this.onReady();
        return;
      }
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.(message);
    });
    this.worker.on('error', (error) => this.exited(error));
    this.worker.on('exit', (code) =>
      this.exited(new Error(`decode worker exited with code ${code}`)),
    );
  }

  /** Started: its modules are loaded and it takes work. */
  get ready(): boolean {
    return this.isReady;
  }

  /** Ready and not decoding. */
  get idle(): boolean {
    return this.isReady && !this.stopped && this.waiting === undefined;
  }

  /** Decodes one image; `bytes` is transferred to the thread and unusable afterwards. */
  decode(request: Omit<DecodeRequest, 'id'>): Promise<DecodeReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.worker.postMessage({ ...request, id } satisfies DecodeRequest, [
        request.bytes.buffer as ArrayBuffer,
      ]);
    });
  }

  /**
   * Ends the thread at once, mid-decode if need be; an image being decoded gets a failure.
   * `onExit` is not called.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ id: -1, ok: false, message: 'the decoding thread was stopped' });
    await this.worker.terminate();
  }

  private exited(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ id: -1, ok: false, message: error.message });
    this.onExit(error);
  }
}
