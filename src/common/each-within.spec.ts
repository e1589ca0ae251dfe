import { eachWithin } from './each-within';

describe('eachWithin', () => {
  it('runs every item with at most `limit` in flight, each with its own index', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await eachWithin([10, 11, 12, 13, 14, 15, 16], 3, async (item, index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5 - (index % 3)));
      seen[index] = item;
      inFlight--;
    });
    expect(seen).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(most).toBe(3);
  });

  it('tries every item, then throws the first failure', async () => {
    const tried: number[] = [];
    await expect(
      eachWithin([1, 2, 3, 4], 2, async (item) => {
        tried.push(item);
        if (item % 2 === 0) throw new Error(`failed ${item}`);
      }),
    ).rejects.toThrow('failed 2');
    expect(tried.sort()).toEqual([1, 2, 3, 4]);
  });

  it('does nothing on no items', async () => {
    await expect(eachWithin([], 8, () => Promise.reject(new Error('never')))).resolves.toBeUndefined();
  });
});
