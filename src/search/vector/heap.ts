/** @module A bounded min-heap of (score, slot): keeps the `capacity` highest scores seen, in typed arrays. */

export class TopK {
  readonly scores: Float64Array;
  readonly slots: Float64Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.slots = new Float64Array(capacity);
  }

  /** The lowest score kept once full; candidates at or below it cannot enter. */
  get floor(): number {
    return this.size < this.capacity ? -Infinity : (this.scores[0] as number);
  }

  push(score: number, slot: number): void {
    const { scores, slots } = this;
    if (this.size < this.capacity) {
      let at = this.size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if ((scores[parent] as number) <= score) break;
        scores[at] = scores[parent] as number;
        slots[at] = slots[parent] as number;
        at = parent;
      }
      scores[at] = score;
      slots[at] = slot;
      return;
    }
    if (score <= (scores[0] as number)) return;
    let at = 0;
    const size = this.size;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && (scores[child + 1] as number) < (scores[child] as number)) child++;
      if ((scores[child] as number) >= score) break;
      scores[at] = scores[child] as number;
      slots[at] = slots[child] as number;
      at = child;
    }
    scores[at] = score;
    slots[at] = slot;
  }

  /** The kept entries, best first (ties by lower slot). */
  sorted(): { scores: Float64Array; slots: Float64Array } {
    const order = Array.from({ length: this.size }, (_, index) => index);
    order.sort((a, b) => (this.scores[b] as number) - (this.scores[a] as number) || (this.slots[a] as number) - (this.slots[b] as number));
    return {
      scores: Float64Array.from(order, (index) => this.scores[index] as number),
      slots: Float64Array.from(order, (index) => this.slots[index] as number),
    };
  }
}
