/**
 * Built archives by model digest. A stored model never changes, so an archive stays valid
 * for as long as it is kept: repeated downloads cost a map lookup, and concurrent requests
 * for one model share a single build. Least recently used archives leave first once their
 * total size passes the budget; failed builds are not kept.
 */
export function createArchiveCache(budgetBytes: number) {
  const built = new Map<string, Buffer>();
  const building = new Map<string, Promise<Buffer>>();
  let total = 0;

  function keep(key: string, archive: Buffer): void {
    if (archive.length > budgetBytes) return;
    built.set(key, archive);
    total += archive.length;
    for (const [oldest, bytes] of built) {
      if (total <= budgetBytes) break;
      built.delete(oldest);
      total -= bytes.length;
    }
  }

  return {
    get(key: string, build: () => Promise<Buffer>): Promise<Buffer> {
      const hit = built.get(key);
      if (hit) {
        // Re-inserted: Map order is the eviction order.
        built.delete(key);
        built.set(key, hit);
        return Promise.resolve(hit);
      }
      const pending = building.get(key);
      if (pending) return pending;
      const started = build()
        .then((archive) => {
          keep(key, archive);
          return archive;
        })
        .finally(() => building.delete(key));
      building.set(key, started);
      return started;
    },
    /** Bytes held by finished archives. */
    size: () => total,
  };
}
