/** A per-key async mutex. `lock(key)` resolves to a release function; waiters run in order. */
export class KeyedMutex<K> {
  private readonly tails = new Map<K, Promise<void>>();

  async lock(key: K): Promise<() => void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }

  async with<T>(key: K, fn: () => Promise<T> | T): Promise<T> {
    const release = await this.lock(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
