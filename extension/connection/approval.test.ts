import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APPROVED_HUB_URLS, HubApprovals, type Memento } from './approval.ts';

/** globalState as VS Code keeps it: values round-trip through JSON. */
class Store implements Memento {
  readonly data = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const v = this.data.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  async update(key: string, value: unknown): Promise<void> {
    this.data.set(key, JSON.stringify(value));
  }
}

const A = 'wss://hub.example/stream';
const B = 'wss://other.example/stream';

test('asks once per URL; a yes is remembered across instances (a new window), per exact URL', async () => {
  const state = new Store();
  const asked: string[] = [];
  const yes = new HubApprovals(state, async (u) => (asked.push(u), true));
  assert.equal(yes.approved(A), false);
  assert.equal(await yes.ensure(A), true);
  assert.equal(await yes.ensure(A), true);
  assert.deepEqual(asked, [A]);
  const later = new HubApprovals(state, async () => assert.fail('must not ask again'));
  assert.equal(later.approved(A), true);
  assert.equal(await later.ensure(A), true);
  // Another URL (or the same host with another path or scheme) is another question.
  const other: string[] = [];
  const again = new HubApprovals(state, async (u) => (other.push(u), false));
  assert.equal(await again.ensure(B), false);
  assert.equal(await again.ensure('ws://hub.example/stream'), false);
  assert.deepEqual(other, [B, 'ws://hub.example/stream']);
  assert.deepEqual(state.get(APPROVED_HUB_URLS), [A]);
});

test('a no (or a dismissed modal) is not remembered: the next connect asks again', async () => {
  const state = new Store();
  const answers = [false, undefined as unknown as boolean, true];
  let n = 0;
  const a = new HubApprovals(state, async () => answers[n++]);
  assert.equal(await a.ensure(A), false);
  assert.equal(await a.ensure(A), false);
  assert.equal(a.approved(A), false);
  assert.equal(await a.ensure(A), true);
  assert.equal(n, 3);
  assert.equal(a.approved(A), true);
});

test('a question on screen is shared: two connects while the modal is open ask once', async () => {
  const state = new Store();
  let resolve: (v: boolean) => void = () => {};
  let asked = 0;
  const a = new HubApprovals(state, () => {
    asked++;
    return new Promise<boolean>((r) => (resolve = r));
  });
  const first = a.ensure(A);
  const second = a.ensure(A);
  resolve(true);
  assert.deepEqual(await Promise.all([first, second]), [true, true]);
  assert.equal(asked, 1);
});

test('a malformed stored value approves nothing', async () => {
  const state = new Store();
  await state.update(APPROVED_HUB_URLS, { [A]: true });
  assert.equal(new HubApprovals(state, async () => false).approved(A), false);
  await state.update(APPROVED_HUB_URLS, [A, 3, null]);
  const a = new HubApprovals(state, async () => true);
  assert.equal(a.approved(A), true);
  assert.equal(await a.ensure(B), true);
  assert.deepEqual(state.get(APPROVED_HUB_URLS), [A, B]);
});

test('forgetAll takes every approval back: the next connect asks again', async () => {
  const state = new Store();
  let asked = 0;
  const a = new HubApprovals(state, async () => (asked++, true));
  await a.ensure(A);
  await a.ensure(B);
  assert.equal(await a.forgetAll(), 2);
  assert.equal(a.approved(A), false);
  assert.equal(await a.forgetAll(), 0);
  assert.equal(await a.ensure(A), true);
  assert.equal(asked, 3);
});
