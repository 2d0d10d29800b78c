import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from '@opentelemetry/api';
import {
  type ConnectionOptions,
  type Job,
  type JobsOptions,
  Queue,
  Worker,
  type WorkerOptions,
} from 'bullmq';
import type { TrainingJobResult } from './processor.js';
import type { TrainingProgress } from './progress.js';
import type { TrainingJobData } from './training-job.js';

// OpenTelemetry's messaging conventions (still incubating, so written out here rather than
// imported: https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/).
const MESSAGING = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
} as const;

/** The span's attributes that say which job it is and what it asks for. */
function jobAttributes(queue: string, operation: 'send' | 'process', data: TrainingJobData) {
  return {
    [MESSAGING.system]: 'bullmq',
    [MESSAGING.destination]: queue,
    [MESSAGING.operationType]: operation,
    'tailor.job.dataset': data.dataset,
    'tailor.job.epochs': data.training.epochs,
  };
}

/**
 * The training queue with a PRODUCER span per job added, child of the current span (the
 * request's), and that span's W3C trace context stored in the job: BullMQ keeps
 * `opts.telemetry.metadata` with the job for this purpose, in the format of its own
 * OpenTelemetry add-on (the propagator's headers as JSON). BullMQ's advice for custom
 * telemetry is to wrap `addJob`, which `add` calls.
 */
export class TracedTrainingQueue extends Queue<TrainingJobData> {
  constructor(
    private readonly tracer: Tracer,
    name: string,
    opts: { connection: ConnectionOptions; prefix: string },
  ) {
    super(name, opts);
  }

  protected override addJob(
    name: string,
    data: TrainingJobData,
    opts?: JobsOptions,
  ): Promise<Job<TrainingJobData>> {
    const kind = SpanKind.PRODUCER;
    const attributes = jobAttributes(this.name, 'send', data);
    return this.tracer.startActiveSpan(`send ${this.name}`, { kind, attributes }, async (span) => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      try {
        const telemetry = { ...opts?.telemetry, metadata: JSON.stringify(carrier) };
        const job = await super.addJob(name, data, { ...opts, telemetry });
        span.setAttribute(MESSAGING.messageId, String(job.id));
        return job;
      } catch (err) {
        failed(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
  }
}

/** The context a job was queued in, from its stored trace context; none: a trace of its own. */
function queuedIn(job: Job): Context {
  const metadata = job.opts.telemetry?.metadata;
  if (metadata === undefined) return ROOT_CONTEXT;
  try {
    return propagation.extract(ROOT_CONTEXT, JSON.parse(metadata));
  } catch {
    return ROOT_CONTEXT;
  }
}

/**
 * The training worker with a CONSUMER span around each attempt at a job, child of the span
 * that queued it, so one trace reads request -> queue -> worker. The span covers the
 * sandboxed child's whole run as the worker sees it, with the attempt, the epochs asked
 * for, an event per finished epoch (its metrics, from the job's progress) and the outcome.
 */
export class TracedTrainingWorker extends Worker<TrainingJobData, TrainingJobResult> {
  /** Running jobs' spans and how many epochs each has reported. */
  private readonly spans = new Map<string, { span: Span; epochs: number }>();

  constructor(
    private readonly tracer: Tracer,
    name: string,
    processor: URL,
    opts: WorkerOptions,
  ) {
    super(name, processor, opts);
    this.on('progress', (job, progress) => this.epochEvents(job, progress as TrainingProgress));
  }

  override processJob(
    job: Job<TrainingJobData, TrainingJobResult>,
    token: string,
    fetchNextCallback?: () => boolean,
  ) {
    const id = String(job.id);
    const options = {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...jobAttributes(this.name, 'process', job.data),
        [MESSAGING.messageId]: id,
        'tailor.job.attempt': job.attemptsStarted,
      },
    };
    // A resumed attempt's progress starts with the epochs of the attempts before it.
    const epochs = (job.progress as Partial<TrainingProgress> | undefined)?.history?.length ?? 0;
    const attemptsMade = job.attemptsMade;
    return this.tracer.startActiveSpan(`process ${this.name}`, options, queuedIn(job), (span) => {
      this.spans.set(id, { span, epochs });
      return super.processJob(job, token, fetchNextCallback).finally(() => {
        this.spans.delete(id);
        const status = job.returnvalue?.status;
        if (status !== undefined) span.setAttribute('tailor.job.status', status);
        // BullMQ counts an attempt made when it fails (a job handed back is not one).
        else if (job.attemptsMade > attemptsMade) failed(span, new Error(job.failedReason));
        span.end();
      });
    });
  }

  private epochEvents(job: Job<TrainingJobData>, progress: TrainingProgress): void {
    const running = this.spans.get(String(job.id));
    const history = progress?.history;
    if (running === undefined || !Array.isArray(history)) return;
    for (const epoch of history.slice(running.epochs)) {
      running.span.addEvent('epoch', { ...epoch });
    }
    running.epochs = Math.max(running.epochs, history.length);
  }
}

function failed(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}
