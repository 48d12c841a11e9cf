import { describe, expect, it } from 'vitest';
import { runPool, settlePool } from './pool.js';

/** A worker whose items finish only when the test says so; records starts and the most running at once. */
function controlled<T>() {
  const started: T[] = [];
  const pending = new Map<T, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  let running = 0;
  let most = 0;
  const worker = (item: T) =>
    new Promise<string>((resolve, reject) => {
      started.push(item);
      most = Math.max(most, ++running);
      pending.set(item, {
        resolve: (value) => {
          running--;
          resolve(value);
        },
        reject: (error) => {
          running--;
          reject(error);
        },
      });
    });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { worker, started, pending, most: () => most, tick };
}

describe('runPool', () => {
  it('runs at most `concurrency` at once, starting items in order, and returns results in order', async () => {
    const c = controlled<number>();
    const done = runPool([1, 2, 3, 4, 5], 2, c.worker);
    await c.tick();
    expect(c.started).toEqual([1, 2]);
    c.pending.get(2)!.resolve('two');
    await c.tick();
    expect(c.started).toEqual([1, 2, 3]);
    for (const item of [1, 3, 4, 5]) {
      await c.tick();
      c.pending.get(item)!.resolve(`#${item}`);
    }
    expect(await done).toEqual(['#1', 'two', '#3', '#4', '#5']);
    expect(c.most()).toBe(2);
  });

  it('passes each item its index and treats a concurrency below 1 as 1', async () => {
    let running = 0;
    let most = 0;
    const seen = await runPool(['a', 'b', 'c'], 0, async (item, index) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return `${index}:${item}`;
    });
    expect(seen).toEqual(['0:a', '1:b', '2:c']);
    expect(most).toBe(1);
  });

  it('picks up items appended while it runs, with all its workers', async () => {
    const queue = ['big', 'x'];
    let running = 0;
    let most = 0;
    const done = await runPool(queue, 3, async (item) => {
      most = Math.max(most, ++running);
      if (item === 'big') queue.push('half1', 'half2', 'half3');
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return item;
    });
    expect(done).toEqual(['big', 'x', 'half1', 'half2', 'half3']);
    expect(most).toBe(3);
  });

  it('starts nothing new once shouldStop() is true, and returns the started prefix', async () => {
    const started: number[] = [];
    const results = await runPool(
      [1, 2, 3, 4, 5, 6],
      2,
      async (item) => {
        started.push(item);
        return item * 10;
      },
      () => started.length >= 3,
    );
    expect(started).toEqual([1, 2, 3]);
    expect(results).toEqual([10, 20, 30]);
  });

  it('starts nothing new once an AbortSignal aborts', async () => {
    const controller = new AbortController();
    const c = controlled<number>();
    const done = runPool([1, 2, 3, 4], 2, c.worker, controller.signal);
    await c.tick();
    controller.abort();
    c.pending.get(1)!.resolve('one');
    c.pending.get(2)!.resolve('two');
    expect(await done).toEqual(['one', 'two']);
    expect(c.started).toEqual([1, 2]);
    expect(await runPool([1], 1, async () => 'ran', controller.signal)).toEqual([]);
  });

  it('after a failure starts nothing new, waits for what runs, then rejects with the first failure', async () => {
    const c = controlled<number>();
    const done = runPool([1, 2, 3, 4], 2, c.worker);
    const outcome = done.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await c.tick();
    c.pending.get(1)!.reject(new Error('first'));
    await c.tick();
    let settled = false;
    void outcome.then(() => (settled = true));
    await c.tick();
    expect(settled).toBe(false); // item 2 still runs
    c.pending.get(2)!.reject(new Error('second'));
    expect(await outcome).toBe('first');
    expect(c.started).toEqual([1, 2]);
  });

  it('turns a worker that throws synchronously into a rejection', async () => {
    const worker = ((item: number) => {
      if (item === 2) throw new Error('sync');
      return Promise.resolve(item);
    }) as (item: number) => Promise<number>;
    await expect(runPool([1, 2, 3], 1, worker)).rejects.toThrow('sync');
  });

  it('resolves with no results for no items', async () => {
    expect(await runPool([], 4, async () => 1)).toEqual([]);
  });
});

describe('settlePool', () => {
  it('keeps going after failures and reports each item’s outcome in order', async () => {
    const outcomes = await settlePool([1, 2, 3, 4], 2, async (item) => {
      if (item % 2 === 0) throw new Error(`bad ${item}`);
      return item;
    });
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([1, 'bad 2', 3, 'bad 4']);
  });
});
