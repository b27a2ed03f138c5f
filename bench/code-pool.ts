/**
 * One-time codes for the load client, fetched from the emulator process in batches and refilled
 * ahead of need, so taking a code costs the timed loop nothing.
 */
export class CodePool {
  private codes: string[] = [];
  private refilling: Promise<void> | undefined;

  constructor(
    private readonly fetchCodes: (n: number) => Promise<string[]>,
    private readonly batch = 2000,
  ) {}

  async take(): Promise<string> {
    // Refill ahead of need; a failed refill is retried (and its error seen) by the loop below.
    if (this.codes.length < this.batch / 2) this.refill().catch(() => undefined);
    while (this.codes.length === 0) await this.refill();
    return this.codes.pop() as string;
  }

  /** Throws away unused codes (they expire in the emulator after 5 minutes anyway). */
  drain(): void {
    this.codes = [];
  }

  private refill(): Promise<void> {
    this.refilling ??= this.fetchCodes(this.batch)
      .then((codes) => {
        this.codes = codes.concat(this.codes);
      })
      .finally(() => {
        this.refilling = undefined;
      });
    return this.refilling;
  }
}
