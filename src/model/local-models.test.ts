import { describe, expect, it } from 'vitest';
import { siteModelBytes, type LocalModel } from './local-models';

const base = 'https://example.org/lab/dinov2/';
const models: LocalModel[] = [
  { id: 'small', variants: [{ file: 'model.onnx', bytes: 1000, dataFiles: [] }] },
  {
    id: 'large one',
    variants: [
      { file: 'model_fp16.onnx', bytes: 500, dataFiles: [] },
      {
        file: 'model.onnx',
        bytes: 200,
        dataFiles: [
          { file: 'model.onnx_data', bytes: 4000 },
          { file: 'model.onnx_data_1', bytes: 3000 },
        ],
      },
    ],
  },
];

describe('siteModelBytes', () => {
  it('adds the weights files to the graph of the variant the address names', () => {
    expect(siteModelBytes(`${base}models/small/model.onnx`, models, base)).toEqual({
      bytes: 1000,
      dataFiles: 0,
    });
    expect(siteModelBytes(`${base}models/large%20one/model.onnx`, models, base)).toEqual({
      bytes: 7200,
      dataFiles: 2,
    });
    expect(siteModelBytes(`${base}models/large%20one/model_fp16.onnx`, models, base)?.bytes).toBe(
      500,
    );
  });

  it('takes a relative address, and knows nothing of other addresses', () => {
    expect(siteModelBytes('models/small/model.onnx', models, base)?.bytes).toBe(1000);
    expect(siteModelBytes('https://elsewhere.org/models/small/model.onnx', models, base)).toBe(
      null,
    );
    expect(siteModelBytes(`${base}models/small/other.onnx`, models, base)).toBe(null);
    expect(siteModelBytes('http://[bad', models, base)).toBe(null);
  });
});
