import { beforeEach, describe, expect, it, vi } from 'vitest';

/** Every request the store sent, each answered (or failed) when the test says so. */
const sent: {
  body: { type: string; imageId?: string; imageIds?: string[] };
  answer: (r: unknown) => void;
  fail: (e: unknown) => void;
}[] = [];
vi.mock('./controller', () => ({
  engine: () => ({
    call: (body: (typeof sent)[number]['body']) => {
      let answer!: (r: unknown) => void;
      let fail!: (e: unknown) => void;
      const promise = new Promise((a, f) => ((answer = a), (fail = f)));
      sent.push({ body, answer, fail });
      return { id: sent.length, promise };
    },
  }),
}));
vi.mock('../lib/announce', () => ({ announce: () => undefined }));
const { useApp } = await import('./app-store');
const { queryWithFile, runCorrespond, runRegionSearch, setRegion, useSearch } =
  await import('./search');

const settle = () => new Promise((r) => setTimeout(r, 0));
const png = (name: string) => new File([new Uint8Array(8)], name, { type: 'image/png' });

describe('search requests', () => {
  beforeEach(() => {
    sent.length = 0;
    useApp.setState((s) => ({ model: { ...s.model, status: 'ready' } }));
  });

  it('keeps only the last of two query images dropped in a row, and lets the first go', async () => {
    const revoked: string[] = [];
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((u) => void revoked.push(u));
    const first = queryWithFile(png('a.png'));
    const second = queryWithFile(png('b.png'));
    const [a, b] = sent.filter((s) => s.body.type === 'embed');
    a.answer({});
    await first;
    b.answer({});
    await second;
    await settle();
    expect(useSearch.getState().outside?.name).toBe('b.png');
    // The worker forgets the first query's tokens; no object URL was made for it.
    const forgets = sent.filter((s) => s.body.type === 'forget').flatMap((s) => s.body.imageIds);
    expect(forgets).toEqual([a.body.imageId]);
    // Another query after it replaces it and frees it.
    const url = useSearch.getState().outside!.url;
    const third = queryWithFile(png('c.png'));
    sent.at(-1)!.answer({});
    await third;
    expect(revoked).toContain(url);
    expect(sent.filter((s) => s.body.type === 'forget').at(-1)!.body.imageIds).toEqual([
      b.body.imageId,
    ]);
  });

  it("keeps a region search busy when another request fails, and shows only a current request's failure", async () => {
    useSearch.setState({ queryId: 'q', correspondA: 'x', correspondB: 'y', error: null });
    setRegion([1, 2]);
    runRegionSearch();
    runCorrespond();
    runCorrespond();
    const [, stale, current] = sent;
    stale.fail({ message: 'stale' });
    await settle();
    expect(useSearch.getState()).toMatchObject({ regionSearching: true, error: null });
    current.fail({ message: 'This image has no features yet; wait for it to be indexed.' });
    await settle();
    expect(useSearch.getState()).toMatchObject({
      regionSearching: true,
      error: 'This image has no features yet; wait for it to be indexed.',
    });
    sent[0].fail({ message: 'region failed' });
    await settle();
    expect(useSearch.getState()).toMatchObject({ regionSearching: false, error: 'region failed' });
  });
});
