import { lazyPort } from '../../lib/util/lazy-port';

interface Greeter {
  greet(name: string): Promise<string>;
  count(): Promise<number>;
}

/** An adapter whose module load and construction are counted, and which can be made to fail its first load. */
function adapterLoader(opts: { failFirst?: boolean } = {}) {
  const loads = { n: 0 };
  let calls = 0;
  const load = (): Promise<Greeter> => {
    loads.n += 1;
    if (opts.failFirst && loads.n === 1) return Promise.reject(new Error('chunk failed to load'));
    return Promise.resolve({
      greet: (name: string) => Promise.resolve(`hello ${name}`),
      count: () => Promise.resolve(++calls),
    });
  };
  return { load, loads };
}

describe('lazyPort', () => {
  it('loads nothing until the first call, then builds the adapter once for every later call', async () => {
    const { load, loads } = adapterLoader();
    const port = lazyPort<Greeter>(['greet', 'count'], load);
    expect(loads.n).toBe(0);
    await expect(Promise.all([port.greet('a'), port.greet('b')])).resolves.toEqual(['hello a', 'hello b']);
    await port.count();
    // One adapter behind every method: its state (a client, a cache) lives as long as the container.
    await expect(port.count()).resolves.toBe(2);
    expect(loads.n).toBe(1);
  });

  it('forgets a failed load, so the next call tries again instead of failing for the life of the container', async () => {
    const { load, loads } = adapterLoader({ failFirst: true });
    const port = lazyPort<Greeter>(['greet'], load);
    await expect(port.greet('a')).rejects.toThrow('chunk failed to load');
    await expect(port.greet('a')).resolves.toBe('hello a');
    await port.greet('b');
    expect(loads.n).toBe(2);
  });
});
