// A small in-test implementation of the contract, generic over METHOD_NAMES: every method echoes
// its (already parsed) params with a typed array and a NaN, so the transport layers can be tested
// before and apart from the real API. Events can be emitted by hand.
import { EVENT_NAMES, METHOD_NAMES, type EventMap, type EventName, type WorkbenchApi } from '../../src-shared/contract';

export interface FakeWorkbench {
  api: WorkbenchApi;
  events: { on<E extends EventName>(name: E, fn: (payload: EventMap[E]) => void): () => void };
  calls: { name: string; params: unknown }[];
  emit<E extends EventName>(name: E, payload: EventMap[E]): void;
  listenerCount(): number;
  close(): Promise<void>;
}

export function fakeWorkbench(): FakeWorkbench {
  const calls: { name: string; params: unknown }[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>(EVENT_NAMES.map((n) => [n, new Set()]));
  const api = Object.fromEntries(
    METHOD_NAMES.map((name) => [
      name,
      async (params: unknown) => {
        calls.push({ name, params });
        return { method: name, params: params ?? null, bytes: new Uint8Array([0, 1, 254, 255]), loss: NaN };
      },
    ]),
  ) as unknown as WorkbenchApi;
  return {
    api,
    calls,
    events: {
      on(name, fn) {
        const set = listeners.get(name);
        if (!set) throw new Error(`Unknown event ${name}`);
        set.add(fn as (p: unknown) => void);
        return () => set.delete(fn as (p: unknown) => void);
      },
    },
    emit(name, payload) {
      for (const fn of listeners.get(name) ?? []) fn(payload);
    },
    listenerCount() {
      let n = 0;
      for (const s of listeners.values()) n += s.size;
      return n;
    },
    async close() {},
  };
}
