import { readFile } from 'node:fs/promises';
import { API_KEY_HELP, apiKeyCommand } from './api-key-command.js';
import { DOCTOR_HELP, doctorCommand } from './doctor-command.js';
import { GPU_SMOKE_HELP, gpuSmokeCommand } from './gpu-smoke-command.js';
import { UsageError } from './option-table.js';
import { SAMPLE_HELP, sampleCommand } from './sample-command.js';
import { SERVICE_HELP, serviceCommand } from './service-command.js';
import { SUMMARY_HELP, summaryCommand } from './summary-command.js';
import { TRAIN_HELP, trainCommand } from './train-command.js';

const HELP = `Usage: tailor <command> [options]

Commands:
  serve                 Run the REST API.
  worker                Run a training worker.
  start                 Run both (what 'npm start' runs).
  summary [spec.json]   Print the Keras-style summary of a model spec.
  sample [--index N]    Write a Fashion-MNIST test image as PNG (to try /predict).
  train [options]       Train on Fashion-MNIST (or IDX/CSV files) and report the seed's figures.
  doctor                Report what a worker here would use: backends, TensorFlow, Redis,
                        data and storage.
  gpu-smoke [--batches N]
                        Check that training runs on the GPU: backend, TensorFlow, device,
                        images per second; exits 1 when it would run on the CPU.
  api-key --name NAME --scopes LIST
                        Create an API key and print its TAILOR_API_KEYS entry.
  help [command]        Show help for a command.
  version               Print the version.

Run 'tailor <command> --help' for a command's options.`;

/** Runs one command; returns the exit code. Errors a user can fix print as one line. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const controller = new AbortController();
  // Training: the first Ctrl-C stops between batches; a second one exits at once.
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after this batch (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  try {
    switch (command) {
      case 'sample':
        return await sampleCommand(rest, process.stdout);
      case 'summary':
        await summaryCommand(rest, process.stdout);
        return 0;
      case 'train':
        process.on('SIGINT', onSigint);
        return await trainCommand(rest, process.stdout, process.stderr, controller.signal);
      case 'doctor':
        return await doctorCommand(rest, process.stdout);
      case 'gpu-smoke':
        return await gpuSmokeCommand(rest, process.stdout);
      case 'api-key':
        return apiKeyCommand(rest, process.stdout, process.stderr);
      case 'serve':
      case 'worker':
      case 'start':
        return await serviceCommand(command, rest, await version(), process.stdout);
      case 'version':
      case '--version':
        process.stdout.write(`${await version()}\n`);
        return 0;
      case 'help':
      case '--help':
      case undefined:
        process.stdout.write(`${helpFor(rest[0])}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    return reportError(err);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function helpFor(command: string | undefined): string {
  if (command === 'train') return TRAIN_HELP;
  if (command === 'serve' || command === 'worker' || command === 'start') return SERVICE_HELP;
  if (command === 'summary') return SUMMARY_HELP;
  if (command === 'sample') return SAMPLE_HELP;
  if (command === 'api-key') return API_KEY_HELP;
  if (command === 'doctor') return DOCTOR_HELP;
  if (command === 'gpu-smoke') return GPU_SMOKE_HELP;
  return HELP;
}

function reportError(err: unknown): number {
  const e = err as Error & { code?: string };
  if (err instanceof UsageError) {
    process.stderr.write(`tailor: ${e.message}\nRun 'tailor help' for usage.\n`);
    return 2;
  }
  // Coded errors (bad spec, bad data file, no backend, bad config) are the user's to fix.
  if (typeof e?.code === 'string') {
    process.stderr.write(`tailor: ${e.message}\n`);
    return 1;
  }
  process.stderr.write(`tailor: unexpected error\n${e?.stack ?? String(err)}\n`);
  return 1;
}

/** The package's version; package.json is two levels up from sources, three from dist/. */
async function version(): Promise<string> {
  for (const up of ['../../package.json', '../../../package.json']) {
    const text = await readFile(new URL(up, import.meta.url), 'utf8').catch(() => undefined);
    if (text) return JSON.parse(text).version;
  }
  return 'unknown';
}
