/**
 * The readers seen in one de-duplication generation (see recorder.ts): reader → when last
 * counted. An open-addressing hash table over two typed arrays, sized once for the generation's
 * cap.
 *
 * Why not a Map: under a flood of distinct readers (every pixel hit a new one, which is what a
 * busy story looks like) a Map of 250,000 number keys keeps growing by rehashing into ever larger
 * tables, and its keys — 48-bit numbers, too big for V8's small integers — are each a heap object
 * the garbage collector has to trace. Here the memory is two flat arrays outside the JS heap,
 * allocated on the first hit of a generation and reused, and a hit costs a few array reads.
 *
 * Readers are the first 48 bits of a SHA-256, so their low bits are already uniform and index
 * the table directly; linear probing at a load of at most one half stays short.
 */
export class ReaderSet {
  /** reader + 1 per slot (0 marks an empty slot; 2^48 + 1 is still exact in a double). */
  private keys: Float64Array | undefined;
  private times: Float64Array | undefined;
  private readonly slots: number;
  size = 0;

  /** `capacity`: the most readers this set will be asked to hold. */
  constructor(readonly capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.slots = slots;
  }

  /** When `reader` (an integer below 2^48) was last recorded, or undefined. */
  get(reader: number): number | undefined {
    const keys = this.keys;
    if (keys === undefined) return undefined;
    const mask = this.slots - 1;
    const stored = reader + 1;
    for (let i = (reader >>> 0) & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === stored) return this.times![i];
      if (k === 0) return undefined;
    }
  }

  /** Records `reader` at `time`. The caller keeps size below capacity (the recorder rotates). */
  set(reader: number, time: number): void {
    if (this.keys === undefined) {
      this.keys = new Float64Array(this.slots);
      this.times = new Float64Array(this.slots);
    }
    const keys = this.keys;
    const mask = this.slots - 1;
    const stored = reader + 1;
    let i = (reader >>> 0) & mask;
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === stored) break;
      if (k === 0) {
        // Never fuller than half: past capacity the table would still work, only slower, and
        // the recorder rotates generations long before.
        if (this.size >= this.slots - 1) throw new Error('reader set is full');
        keys[i] = stored;
        this.size++;
        break;
      }
    }
    this.times![i] = time;
  }

  /** Forgets every reader, keeping the memory for the next generation. */
  clear(): void {
    if (this.size > 0) this.keys!.fill(0);
    this.size = 0;
  }
}
