import { isRedisUnavailable } from '../redis/connection-errors.js';
import type { ModelVersion } from '../store/model-registry.js';

export interface ResolutionCacheOptions {
  /** How long a name's last resolution may stand in for the registry while Redis is down. */
  maxAgeMs?: number;
  /** Names remembered, least recently resolved dropped first. */
  capacity?: number;
}

/**
 * The registry's answer for each model id or alias predict was asked for, kept for the
 * time Redis is unreachable: models that were being served go on being served (their files
 * are read from the artifact store, not Redis), and only names never resolved, or resolved
 * too long ago, fail. While Redis answers, every request asks it, so a moved alias is
 * followed at once.
 */
export class ResolutionCache {
  private readonly entries = new Map<string, { record: ModelVersion; at: number }>();
  private readonly maxAgeMs: number;
  private readonly capacity: number;

  constructor(
    private readonly resolve: (name: string) => Promise<ModelVersion>,
    options: ResolutionCacheOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.capacity = options.capacity ?? 1000;
  }

  async get(name: string): Promise<ModelVersion> {
    try {
      const record = await this.resolve(name);
      this.entries.delete(name);
      this.entries.set(name, { record, at: Date.now() });
      if (this.entries.size > this.capacity) {
        this.entries.delete(this.entries.keys().next().value as string);
      }
      return record;
    } catch (err) {
      const known = this.entries.get(name);
      if (known && isRedisUnavailable(err) && Date.now() - known.at <= this.maxAgeMs) {
        return known.record;
      }
      throw err;
    }
  }
}
