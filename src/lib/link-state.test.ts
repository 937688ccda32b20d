import { describe, expect, it } from 'vitest';
import { linkQuery, parseLink, type LinkState } from './link-state';

describe('link state', () => {
  it('round-trips every setting', () => {
    const s: LinkState = {
      backend: 'wasm',
      preprocess: 'classifier',
      resolution: 448,
      block: 9,
      view: 'attention',
      model: { kind: 'catalog', id: 'dinov2-small', variant: 'fp16' },
      pcaJoint: false,
      pcaForeground: true,
      pcaThreshold: 0.35,
      pcaInvert: true,
      pcaOpacity: 0.4,
      pcaSmooth: true,
      pcaChannel: 1,
      pcaMask: true,
      attentionLayer: 3,
      colormap: 'viridis',
      keep: 0.6,
      attentionOpacity: 0.3,
      attentionSmooth: true,
      attentionContour: false,
      searchDescriptor: 'both',
      searchK: 25,
      points: 'patches',
      layoutDescriptor: 'mean',
      layout: 'umap',
      space: 2,
      colourBy: 'folder',
      clusters: 7,
      thumbnails: false,
      neighbours: 0,
      umapNeighbors: 30,
      umapMinDist: 0.25,
      umapSeed: -3,
      images: ['https://example.org/a.jpg', 'http://localhost:8000/b c.png'],
    };
    expect(parseLink(linkQuery(s))).toEqual({
      state: { ...s, images: ['https://example.org/a.jpg', 'http://localhost:8000/b%20c.png'] },
      notices: [],
    });
    const u: LinkState = {
      model: { kind: 'url', url: 'https://example.org/m/model.onnx?x=1&y=2' },
    };
    expect(parseLink(linkQuery(u)).state).toEqual(u);
    // Components are 1-based in the link, as the Channel select labels them.
    expect(linkQuery({ pcaChannel: 0 })).toBe('?chan=1');
    expect(parseLink('?chan=rgb').state).toEqual({ pcaChannel: 'rgb' });
    expect(parseLink('?chan=0&popac=2').notices).toHaveLength(2);
  });

  it("names the site's own files relative to it, so a link works on any host of the app", () => {
    const made = 'https://preview.example.org/app/';
    const s: LinkState = {
      model: { kind: 'url', url: `${made}models/dinov2-s/model.onnx` },
      images: [`${made}samples/a.png`, 'https://elsewhere.org/b.png'],
    };
    const q = linkQuery(s, made);
    expect(q).toContain('model=.%2Fmodels%2Fdinov2-s%2Fmodel.onnx');
    expect(q).toContain('img=.%2Fsamples%2Fa.png');
    const opened = 'https://lab.example.com/tools/dinov2/';
    expect(parseLink(q, opened).state).toEqual({
      model: { kind: 'url', url: `${opened}models/dinov2-s/model.onnx` },
      images: [`${opened}samples/a.png`, 'https://elsewhere.org/b.png'],
    });
    // Without a base (or for another site), nothing relative is accepted.
    expect(parseLink('?img=./a.png').state).toEqual({});
    expect(parseLink('?img=../x.png', opened).state).toEqual({});
  });

  it('ignores hostile and absurd values, each with a notice', () => {
    const { state, notices } = parseLink(
      '?backend=<script>alert(1)</script>&res=1e308&model=javascript:alert(1)&layer=-5&thr=NaN&keep=&view=../../etc&evil=1&img=file:///etc/passwd',
    );
    expect(state).toEqual({});
    expect(notices).toHaveLength(9);
    expect(notices.join(' ')).toContain('unknown link parameter "evil"');
  });

  it('refuses out-of-range and fractional counts of the search and 3D settings', () => {
    const { state, notices } = parseLink(
      '?k=0&clusters=2.5&nbrs=51&space=4&layout=tsne&umapmd=2&block=0&block=2.5',
    );
    expect(state).toEqual({});
    expect(notices).toHaveLength(7);
    expect(notices.join(' ')).toContain(
      'Ignored block="0" from the link: use a number from 1 to 64',
    );
    expect(notices.join(' ')).toContain('Ignored clusters="2.5" from the link: use a whole number');
  });

  it("says the model's output as such", () => {
    expect(linkQuery({ block: null })).toBe('?block=output');
    expect(parseLink('?block=output')).toEqual({ state: { block: null }, notices: [] });
    expect(parseLink('?res=224').state).not.toHaveProperty('block');
  });

  it('refuses catalogue ids that do not exist', () => {
    expect(parseLink('?model=catalog:nope:fp32').state.model).toBeUndefined();
  });
});
