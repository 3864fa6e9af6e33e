/** An item that knows where it sits in a heap, so it can be moved or removed in O(log n). */
export interface HeapItem {
  /** Position in the heap's array; -1 while the item is in no heap. */
  heapIndex: number;
}

/**
 * A binary min-heap whose items carry their own index. Push, pop, remove and re-key
 * are O(log n); the memory job queue keeps due jobs and lease expiries in these, and
 * the fake clock its timers. An item may sit in one heap at a time.
 */
export class MinHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  /** `less(a, b)` is true when `a` must come out before `b`. */
  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  /** A copy of the items, in no particular order. */
  toArray(): T[] {
    return [...this.#items];
  }

  push(item: T): void {
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#siftUp(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.#removeAt(0);
    return top;
  }

  /** Takes `item` out of the heap; false if it was not in it. */
  remove(item: T): boolean {
    const index = item.heapIndex;
    if (index < 0 || this.#items[index] !== item) return false;
    this.#removeAt(index);
    return true;
  }

  /** Restores the order after `item`'s key changed, in either direction. */
  update(item: T): void {
    const index = item.heapIndex;
    if (index < 0 || this.#items[index] !== item) return;
    this.#siftDown(this.#siftUp(index));
  }

  #removeAt(index: number): void {
    const items = this.#items;
    const removed = items[index] as T;
    const last = items.pop() as T;
    removed.heapIndex = -1;
    if (index === items.length) return;
    items[index] = last;
    last.heapIndex = index;
    this.#siftDown(this.#siftUp(index));
  }

  /** Returns the item's final index. */
  #siftUp(start: number): number {
    const items = this.#items;
    const item = items[start] as T;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!this.#less(item, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
    return index;
  }

  #siftDown(start: number): void {
    const items = this.#items;
    const length = items.length;
    const item = items[start] as T;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.#less(items[right] as T, items[left] as T)) child = right;
      const smaller = items[child] as T;
      if (!this.#less(smaller, item)) break;
      items[index] = smaller;
      smaller.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
