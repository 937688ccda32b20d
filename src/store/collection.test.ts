import { beforeEach, describe, expect, it } from 'vitest';
import { dismissAlert, useApp } from './app-store';
import { notSaved } from './collection';

const full = () => useApp.getState().alerts.filter((a) => a.message.startsWith('Browser storage'));

describe('notSaved', () => {
  beforeEach(() => {
    for (const a of useApp.getState().alerts) dismissAlert(a.id);
  });

  it('says in one message how many images were not kept, names the first few, and what to do', () => {
    const names = ['a.png', 'b.png', 'c.png', 'd.png', 'e.png'];
    notSaved(
      'image',
      names.map((name, i) => ({ id: String(i), name })),
    );
    // Their features fail too: no second message, and nothing counted twice.
    notSaved('features', [{ id: '0', name: 'a.png' }]);
    const [alert, ...more] = full();
    expect(more).toEqual([]);
    expect(alert.message).toContain(
      'Not saved for your next visit: 5 images ("a.png", "b.png", "c.png" and 2 more), with their features',
    );
    expect(alert.message).toContain('free space by removing images or cached models');
    expect(alert.message).toContain('then add those images again');
    expect(alert.subject).toBe('a.png');
  });

  it('tells stored images whose features were not kept apart, in the same message', () => {
    notSaved('features', [{ id: 'x', name: 'x.png' }]);
    notSaved('features', [{ id: 'y', name: 'y.png' }]);
    notSaved('image', [{ id: 'z', name: 'z.png' }]);
    const [alert, ...more] = full();
    expect(more).toEqual([]);
    expect(alert.message).toContain('1 image ("z.png"), with its features');
    expect(alert.message).toContain(
      'the features of 2 images ("x.png" and "y.png"), which will be computed again',
    );
  });

  it('starts a new count once the message was dismissed', () => {
    notSaved('image', [{ id: '1', name: 'one.png' }]);
    dismissAlert(full()[0].id);
    notSaved('features', [{ id: '2', name: 'two.png' }]);
    const [alert, ...more] = full();
    expect(more).toEqual([]);
    expect(alert.message).not.toContain('one.png');
    expect(alert.message).toContain('the features of 1 image ("two.png")');
    expect(alert.message).not.toContain('add those images again');
  });
});
