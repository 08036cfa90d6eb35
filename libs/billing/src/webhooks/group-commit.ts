/**
 * Collects items submitted in the same turn of the event loop and writes them together (one
 * statement, one commit), answering each submitter after that commit. When a batch fails it
 * is written again item by item, so an item that cannot be written fails only its own
 * submitter, never the others that happened to arrive with it.
 */
export class GroupCommit<Item, Result> {
  private waiting: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private flushScheduled = false;
  private flushesInFlight = 0;

  constructor(
    /** Writes the items in one transaction; the results are in the items' order. */
    private readonly write: (items: Item[]) => Promise<Result[]>,
    private readonly limits: { maxBatch: number; maxFlushesInFlight: number } = { maxBatch: 256, maxFlushesInFlight: 2 },
    /** Told when a batch failed and is written again item by item. */
    private readonly onSplit: (size: number, error: unknown) => void = () => undefined,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushesInFlight >= this.limits.maxFlushesInFlight || this.waiting.length === 0) return;
    this.flushScheduled = true;
    // after the submissions already read in this turn of the event loop have joined the batch
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0, this.limits.maxBatch);
    if (batch.length === 0) return;
    this.flushesInFlight++;
    try {
      let results: Result[];
      try {
        results = await this.write(batch.map((entry) => entry.item));
      } catch (error) {
        if (batch.length === 1) throw error;
        // one of them spoiled the batch: each on its own, so only that one fails
        this.onSplit(batch.length, error);
        for (const entry of batch) await this.write([entry.item]).then(([result]) => entry.resolve(result as Result), entry.reject);
        return;
      }
      batch.forEach((entry, index) => entry.resolve(results[index] as Result));
    } catch (error) {
      batch.forEach((entry) => entry.reject(error));
    } finally {
      this.flushesInFlight--;
      this.scheduleFlush();
    }
  }
}
