import { describe, expect, it } from 'vitest';
import { parseUrlSettings, withUrlSettings } from './url-params';

describe('parseUrlSettings', () => {
  it('reads valid settings', () => {
    expect(parseUrlSettings('?backend=wasm&preprocess=classifier&res=448')).toEqual({
      settings: { backend: 'wasm', preprocess: 'classifier', resolution: 448 },
      notices: [],
    });
  });

  it('ignores bad values with a notice each', () => {
    const { settings, notices } = parseUrlSettings(
      '?backend=<script>alert(1)</script>&res=99999&preprocess=',
    );
    expect(settings).toEqual({});
    expect(notices).toHaveLength(3);
    expect(notices[0]).toContain('backend');
  });

  it('round-trips and keeps other parameters', () => {
    const q = withUrlSettings('?x=1', { backend: 'webgpu', preprocess: 'dense', resolution: 224 });
    expect(q).toContain('x=1');
    expect(parseUrlSettings(q).settings).toEqual({
      backend: 'webgpu',
      preprocess: 'dense',
      resolution: 224,
    });
  });
});
