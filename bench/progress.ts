/** One progress line on stderr, rewritten in place on a terminal, throttled otherwise. */
export class Progress {
  private lastLineAt = 0;
  private width = 0;
  private readonly tty = process.stderr.isTTY === true;

  update(text: string): void {
    if (this.tty) {
      process.stderr.write(`\r${text.padEnd(this.width)}`);
      this.width = text.length;
      return;
    }
    const now = Date.now();
    if (now - this.lastLineAt < 2000) return;
    this.lastLineAt = now;
    process.stderr.write(`${text}\n`);
  }

  /** Ends the current line with its final text. */
  done(text: string): void {
    if (this.tty) process.stderr.write(`\r${text.padEnd(this.width)}\n`);
    else process.stderr.write(`${text}\n`);
    this.width = 0;
    this.lastLineAt = 0;
  }
}
