import type { DecodeReply } from './decode-protocol.js';
import {
  DEFAULT_DECODE_TIMEOUT_MS,
  DEFAULT_DECODE_WORKERS,
  DEFAULT_MAX_QUEUED_PIXELS,
  type ImageDecoderOptions,
} from './decode-settings.js';
import { DecodeThread } from './decode-thread.js';
import { InputError } from './errors.js';
import { withCommas } from './image-format.js';
import { type ModelInputOptions, readImageHeaders } from './model-input.js';

/**
 * What an image counts in the queue at least: each costs a message to a thread and back and a
 * decoder's setup whatever its size, so many tiny images must not wait unbounded.
 */
const MIN_QUEUED_PIXELS = 64 * 64;

/** What a refused request is told to wait: the queue drains in seconds when it is not flooded. */
const RETRY_AFTER_SECONDS = 2;

/** The decoding queue is full; answer 503 with `Retry-After: retryAfterSeconds`. */
export class DecoderBusyError extends Error {
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS;

  constructor(queued: number, limit: number) {
    super(
      `image decoding is at capacity (${withCommas(queued)} pixels waiting, limit ${withCommas(limit)}); retry in ${RETRY_AFTER_SECONDS} s`,
    );
    this.name = 'DecoderBusyError';
  }
}

/** The images of one request, by identity: once one fails, the others are not decoded. */
type Group = object;

interface Task {
  bytes: Uint8Array;
  options: ModelInputOptions;
  pixels: number;
  path: string;
  group: Group;
  resolve(input: Float32Array): void;
  reject(error: Error): void;
}

/**
 * Decodes and resizes request images in a small pool of worker threads, so the API's event
 * loop never runs a decoder. Headers are still read on the loop (they bound everything else);
 * then each image is one task, run first come first served, and ended with 413
 * `IMAGE_TOO_COMPLEX` when it takes longer than `timeoutMs` (its thread is terminated and
 * replaced). The queue is bounded in pixels (declared, at least 64x64 an image).
 */
export class ImageDecoder {
  private readonly workers: number;
  private readonly timeoutMs: number;
  private readonly maxQueuedPixels: number;
  private readonly threads = new Set<DecodeThread>();
  private readonly queue: Task[] = [];
  private queuedPixels = 0;
  private closed = false;

  constructor(options: ImageDecoderOptions = {}) {
    this.workers = options.workers ?? DEFAULT_DECODE_WORKERS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS;
    this.maxQueuedPixels = options.maxQueuedPixels ?? DEFAULT_MAX_QUEUED_PIXELS;
  }

  /**
   * The model inputs of a request's images, in order: what `toModelInputs` returns, decoded
   * in the worker threads. Errors are located at `pathOf(index)`.
   */
  async toModelInputs(
    images: readonly Uint8Array[],
    options: ModelInputOptions,
    pathOf: (index: number) => string,
  ): Promise<Float32Array[]> {
    if (this.closed) throw new Error('the image decoder is closed');
    const headers = readImageHeaders(images, options, pathOf);
    if (images.length === 0) return [];
    const pixels = headers.map(({ width, height }) => Math.max(MIN_QUEUED_PIXELS, width * height));
    const total = pixels.reduce((sum, count) => sum + count, 0);
    if (this.queuedPixels > 0 && this.queuedPixels + total > this.maxQueuedPixels) {
      throw new DecoderBusyError(this.queuedPixels, this.maxQueuedPixels);
    }
    this.queuedPixels += total;
    const group: Group = {};
    const inputs = images.map(
      (bytes, i) =>
        new Promise<Float32Array>((resolve, reject) => {
          this.queue.push({
            // A copy of its own, since it is transferred (and Buffers share pooled memory).
            bytes: new Uint8Array(bytes),
            options: { ...options },
            pixels: pixels[i] ?? 0,
            path: pathOf(i),
            group,
            resolve,
            reject,
          });
        }),
    );
    this.pump();
    return Promise.all(inputs);
  }

  /** Ends every thread; images still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0))
      this.settle(task, new Error('the image decoder is closed'));
    await Promise.all([...this.threads].map((thread) => thread.stop()));
    this.threads.clear();
  }

  /** Hands waiting images to idle threads, starting threads up to `workers`. */
  private pump(): void {
    if (this.closed) return;
    for (const thread of this.threads) {
      if (this.queue.length === 0) return;
      if (thread.idle) void this.run(thread, this.queue.shift() as Task);
    }
    // Threads still starting take work once ready; start more only for what is left.
    let starting = [...this.threads].filter((thread) => !thread.ready).length;
    while (this.queue.length > starting && this.threads.size < this.workers) {
      this.start();
      starting++;
    }
  }

  private start(): void {
    const thread: DecodeThread = new DecodeThread(
      () => this.pump(),
      (error) => {
        this.threads.delete(thread);
        // A thread that cannot start fails what waits rather than being restarted forever.
        if (this.threads.size === 0) {
          for (const task of this.queue.splice(0)) this.settle(task, error);
        }
        this.pump();
      },
    );
    this.threads.add(thread);
  }

  private async run(thread: DecodeThread, task: Task): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const overtime = new Promise<'overtime'>((resolve) => {
      timer = setTimeout(() => resolve('overtime'), this.timeoutMs);
    });
    const { bytes, options } = task;
    const outcome = await Promise.race([thread.decode({ bytes, options }), overtime]);
    clearTimeout(timer);
    if (outcome === 'overtime') {
      this.threads.delete(thread);
      thread.stop().catch(() => {});
      this.settle(
        task,
        new InputError(
          'IMAGE_TOO_COMPLEX',
          `decoding took longer than the budget of ${withCommas(this.timeoutMs)} ms per image; send a smaller or simpler PNG or JPEG (the model sees 28x28)`,
          { path: task.path },
        ),
      );
    } else {
      this.settle(task, outcome);
    }
    this.pump();
  }

  private settle(task: Task, outcome: DecodeReply | Error): void {
    this.queuedPixels -= task.pixels;
    if (!(outcome instanceof Error) && outcome.ok) {
      task.resolve(outcome.input);
      return;
    }
    const error =
      outcome instanceof Error
        ? outcome
        : outcome.code === undefined
          ? new Error(`decode worker: ${outcome.message}`)
          : new InputError(outcome.code, outcome.message, { path: task.path });
    task.reject(error);
    this.dropWaiting(task.group);
  }

  /** A request whose image failed has failed: its images still waiting leave the queue. */
  private dropWaiting(group: Group): void {
    const dropped = this.queue.filter((task) => task.group === group);
    if (dropped.length === 0) return;
    this.queue.splice(0, this.queue.length, ...this.queue.filter((task) => task.group !== group));
    for (const task of dropped) {
      this.queuedPixels -= task.pixels;
      task.reject(new Error('another image of the request failed'));
    }
  }
}
