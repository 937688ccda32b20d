import { beforeEach, describe, expect, it } from 'vitest';
import { dismissTopic, pushAlert, useApp } from './app-store';

const shown = () => useApp.getState().alerts.map((a) => `${a.kind}:${a.subject}:${a.message}`);

describe('pushAlert', () => {
  beforeEach(() => useApp.setState({ alerts: [] }));

  it('replaces an alert shown again with the same words, moving it to the end', () => {
    const skipped = { kind: 'notice', subject: 'readme.txt', message: 'Skipped 1 file' } as const;
    pushAlert(skipped);
    pushAlert({ kind: 'notice', subject: 'a.png', message: 'Other' });
    const first = useApp.getState().alerts[0].id;
    pushAlert(skipped);
    expect(shown()).toEqual(['notice:a.png:Other', 'notice:readme.txt:Skipped 1 file']);
    expect(useApp.getState().alerts[1].id).not.toBe(first);
  });

  it('keeps alerts apart that differ in kind, subject or message', () => {
    pushAlert({ kind: 'notice', subject: 'a', message: 'm' });
    pushAlert({ kind: 'error', subject: 'a', message: 'm' });
    pushAlert({ kind: 'notice', subject: 'b', message: 'm' });
    pushAlert({ kind: 'notice', subject: 'a', message: 'n' });
    pushAlert({ kind: 'notice', message: 'm' });
    expect(shown()).toHaveLength(5);
  });

  it('takes away the alerts of one topic only', () => {
    pushAlert({ kind: 'error', subject: 'a.onnx', message: 'not a model', topic: 'model' });
    pushAlert({ kind: 'error', subject: 'b.png', message: 'not an image' });
    pushAlert({ kind: 'notice', message: 'Loading c was cancelled.', topic: 'model' });
    dismissTopic('model');
    expect(shown()).toEqual(['error:b.png:not an image']);
  });
});
