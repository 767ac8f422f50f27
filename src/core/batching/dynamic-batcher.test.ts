import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMooringError } from '../errors.js';
import type { Tensor } from '../inference/tensor.js';
import { DynamicBatcher, type DynamicBatcherOptions, type RunBatch } from './dynamic-batcher.js';
import type { TurnScheduler } from './turn-scheduler.js';

// A fake model that computes every row on its own: x FP32 [n,3] and ids INT64 [n] ->
// y FP32 [n,2] = [x0*x1 + x2, x0 - id], label BYTES [n] = "r<id>", positive BOOL [n,1] = x0 > 0.
// Batched and unbatched answers of such a model are equal by construction, so any difference is the batcher's.
function fakeModel(inputs: readonly Tensor[]): Tensor[] {
  const x = inputs[0]!.data as Float32Array;
  const ids = inputs[1]!.data as BigInt64Array;
  const n = inputs[0]!.shape[0]!;
  const y = new Float32Array(n * 2);
  const label = new Array<string>(n);
  const positive = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    y[2 * r] = Math.fround(x[3 * r]! * x[3 * r + 1]! + x[3 * r + 2]!);
    y[2 * r + 1] = Math.fround(x[3 * r]! - Number(ids[r]!));
    label[r] = `r${ids[r]!}`;
    positive[r] = x[3 * r]! > 0 ? 1 : 0;
  }
  return [
    { name: 'y', datatype: 'FP32', shape: [n, 2], data: y },
    { name: 'label', datatype: 'BYTES', shape: [n], data: label },
    { name: 'positive', datatype: 'BOOL', shape: [n, 1], data: positive },
  ];
}

/** A request of `rows` rows whose values depend on `seed`. */
function request(rows: number, seed: number): Tensor[] {
  const x = Float32Array.from({ length: rows * 3 }, (_, i) => Math.fround(Math.sin(seed * 31 + i) * 10));
  const ids = BigInt64Array.from({ length: rows }, (_, i) => BigInt(seed * 1000 + i) - 2n ** 62n);
  return [
    { name: 'x', datatype: 'FP32', shape: [rows, 3], data: x },
    { name: 'ids', datatype: 'INT64', shape: [rows], data: ids },
  ];
}

/** Outputs as plain values, bit-exact for floats (Uint32 of each FP32), for deepEqual. */
function plain(outputs: readonly Tensor[]): unknown[] {
  return outputs.map((t) => ({
    name: t.name,
    datatype: t.datatype,
    shape: [...t.shape],
    data:
      t.data instanceof Float32Array
        ? [...new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)]
        : Array.isArray(t.data)
          ? [...t.data]
          : [...(t.data as Uint8Array)],
  }));
}

/** Turns that run only when the test steps them. */
class ManualTurns implements TurnScheduler {
  pending: (() => void)[] = [];
  turn(fn: () => void): void {
    this.pending.push(fn);
  }
  /** Runs the turns scheduled so far (turns they schedule wait for the next step); returns how many ran. */
  step(): number {
    const fns = this.pending;
    this.pending = [];
    for (const fn of fns) fn();
    return fns.length;
  }
}

interface Call {
  readonly inputs: readonly Tensor[];
  readonly rows: number;
  complete(): void;
  fail(error: unknown): void;
}

/** A run function whose calls finish only when the test says so. */
function controlledRun(model: (inputs: readonly Tensor[]) => Tensor[] = fakeModel): { run: RunBatch; calls: Call[]; open: () => Call[] } {
  const calls: Call[] = [];
  const done = new Set<Call>();
  const run: RunBatch = (inputs) =>
    new Promise<Tensor[]>((resolve, reject) => {
      const call: Call = {
        inputs,
        rows: inputs[0]!.shape[0]!,
        complete: () => (done.add(call), resolve(model(inputs))),
        fail: (e) => (done.add(call), reject(e)),
      };
      calls.push(call);
    });
  return { run, calls, open: () => calls.filter((c) => !done.has(c)) };
}

/** Lets settled promises' callbacks run (a real macrotask; no timing is measured). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(options: Partial<DynamicBatcherOptions> = {}, model?: (inputs: readonly Tensor[]) => Tensor[]) {
  const turns = new ManualTurns();
  let clock = 0;
  const batches: [number, number][] = [];
  const { run, calls, open } = controlledRun(model);
  const batcher = new DynamicBatcher(run, {
    maxBatchSize: 8,
    maxQueueDelayMicros: 500,
    scheduler: turns,
    now: () => clock,
    onBatch: (rows, requests) => batches.push([rows, requests]),
    ...options,
  });
  return { batcher, turns, calls, open, batches, advance: (micros: number) => (clock += micros) };
}

/** Tracks a promise's outcome without awaiting it. */
function track<T>(p: Promise<T>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly value?: T; readonly error?: unknown } {
  const box: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  p.then(
    (value) => Object.assign(box, { state: 'resolved', value }),
    (error: unknown) => Object.assign(box, { state: 'rejected', error }),
  );
  return box;
}

describe('DynamicBatcher: when a batch runs', () => {
  test('a lone request runs after one turn, not after the delay', async () => {
    const { batcher, turns, calls } = setup({ maxQueueDelayMicros: 1_000_000 });
    const answer = track(batcher.submit(request(2, 1)));
    assert.equal(calls.length, 0, 'nothing runs inside submit');
    assert.equal(turns.step(), 1);
    assert.equal(calls.length, 1);
    calls[0]!.complete();
    await settle();
    assert.equal(answer.state, 'resolved');
    assert.deepEqual(plain(answer.value!), plain(fakeModel(request(2, 1))));
  });

  test('requests arriving together share a batch, and each gets exactly its own rows', async () => {
    const { batcher, turns, calls, batches } = setup();
    const rows = [1, 3, 2];
    const answers = rows.map((r, i) => track(batcher.submit(request(r, i))));
    turns.step(); // others arrived after the first: wait one more turn
    assert.equal(calls.length, 0);
    turns.step(); // a turn with no arrival: run
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.rows, 6);
    calls[0]!.complete();
    await settle();
    for (let i = 0; i < rows.length; i++) assert.deepEqual(plain(answers[i]!.value!), plain(fakeModel(request(rows[i]!, i))));
    assert.deepEqual(batches, [[6, 3]]);
  });

  test('maxQueueDelayMicros 0: what arrived in the same phase runs at the first turn', () => {
    const { batcher, turns, calls } = setup({ maxQueueDelayMicros: 0 });
    for (let i = 0; i < 3; i++) void batcher.submit(request(1, i));
    turns.step();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.rows, 3);
  });

  test('while requests keep arriving, the batch waits up to the delay, then runs', () => {
    const { batcher, turns, calls, advance } = setup({ maxBatchSize: 64, maxQueueDelayMicros: 500 });
    void batcher.submit(request(1, 0));
    for (let t = 1; t <= 4; t++) {
      void batcher.submit(request(1, t)); // one arrival per turn
      turns.step();
      assert.equal(calls.length, 0, `turn ${t}: still collecting`);
      advance(100);
    }
    void batcher.submit(request(1, 5));
    advance(100); // the oldest request has now waited 500 µs
    turns.step();
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.rows, 6);
    assert.equal(turns.pending.length, 0, 'nothing stays scheduled once the queue is empty');
  });

  test('a lane that reaches maxBatchSize rows runs at once, inside submit', () => {
    const { batcher, calls } = setup({ maxBatchSize: 4 });
    void batcher.submit(request(1, 0));
    void batcher.submit(request(2, 1));
    assert.equal(calls.length, 0);
    void batcher.submit(request(1, 2));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.rows, 4);
  });

  test('a batch never exceeds maxBatchSize: it takes requests in order while they fit', async () => {
    const { batcher, calls, open, batches } = setup({ maxBatchSize: 4 });
    const sizes = [3, 2, 2, 1, 4];
    const answers = sizes.map((r, i) => track(batcher.submit(request(r, i))));
    // The second request brings the lane to 5 rows: [3] runs at once (3 + 2 does not fit); the rest queue.
    assert.deepEqual(
      calls.map((c) => c.rows),
      [3],
    );
    // Each time the slot frees, the lane still holds a full batch's worth, so the next batch starts without a turn.
    for (let guard = 0; guard < 10 && open().length > 0; guard++) {
      for (const c of open()) c.complete();
      await settle();
    }
    assert.deepEqual(batches, [
      [3, 1],
      [4, 2],
      [1, 1],
      [4, 1],
    ]);
    for (let i = 0; i < sizes.length; i++) assert.deepEqual(plain(answers[i]!.value!), plain(fakeModel(request(sizes[i]!, i))));
  });

  test('a request with more rows than maxBatchSize runs alone', async () => {
    const { batcher, turns, calls, batches } = setup({ maxBatchSize: 4 });
    void batcher.submit(request(1, 0));
    const big = track(batcher.submit(request(9, 1)));
    assert.equal(calls.length, 1, 'the oversized request starts at once');
    assert.equal(calls[0]!.rows, 9);
    calls[0]!.complete();
    await settle();
    assert.deepEqual(plain(big.value!), plain(fakeModel(request(9, 1))));
    turns.step();
    turns.step();
    assert.deepEqual(batches, [
      [9, 1],
      [1, 1],
    ]);
  });

  test('requests whose trailing dimensions differ never share a batch', () => {
    const { batcher, turns, calls } = setup();
    const wide = (rows: number): Tensor[] => [{ name: 'x', datatype: 'FP32', shape: [rows, 5], data: new Float32Array(rows * 5) }];
    const narrow = (rows: number): Tensor[] => [{ name: 'x', datatype: 'FP32', shape: [rows, 2], data: new Float32Array(rows * 2) }];
    void batcher.submit(wide(1));
    void batcher.submit(narrow(1));
    void batcher.submit(wide(2));
    void batcher.submit(narrow(3));
    turns.step();
    turns.step();
    assert.deepEqual(
      calls.map((c) => [...c.inputs[0]!.shape]),
      [[3, 5]],
      'one lane at a time while maxInflight is 1',
    );
  });

  test('many shape signatures at once (more lanes than are kept idle): every request gets its own rows back', async () => {
    const echo = (inputs: readonly Tensor[]): Tensor[] => [{ ...inputs[0]!, name: 'y' }];
    const { batcher, turns, open } = setup({ maxBatchSize: 64 }, echo);
    const sent = Array.from({ length: 40 }, (_, i) => {
      const width = 1 + (i % 13);
      const rows = 1 + (i % 3);
      const x: Tensor = { name: 'x', datatype: 'FP32', shape: [rows, width], data: Float32Array.from({ length: rows * width }, (_, k) => i * 100 + k) };
      return { x, answer: track(batcher.submit([x])) };
    });
    for (let guard = 0; guard < 100 && sent.some((s) => s.answer.state === 'pending'); guard++) {
      turns.step();
      for (const c of open()) c.complete();
      await settle();
    }
    for (const { x, answer } of sent) {
      assert.deepEqual([...answer.value![0]!.shape], [...x.shape]);
      assert.deepEqual([...(answer.value![0]!.data as Float32Array)], [...(x.data as Float32Array)]);
    }
    assert.ok(batcher.counters.batchedRuns > 0);
  });

  test('a request whose inputs disagree on the first dimension (broadcasting) runs alone', () => {
    const { batcher, turns, calls } = setup();
    const broadcast: Tensor[] = [
      { name: 'x', datatype: 'FP32', shape: [2, 3], data: new Float32Array(6) },
      { name: 'ids', datatype: 'INT64', shape: [1], data: new BigInt64Array(1) },
    ];
    void batcher.submit(broadcast);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.inputs, broadcast, 'passed through untouched');
    void turns;
  });
});

describe('DynamicBatcher: runs in flight', () => {
  test('maxInflight 1: requests arriving during a run form the next batch when it ends', async () => {
    const { batcher, turns, calls, batches } = setup({ maxBatchSize: 64 });
    void batcher.submit(request(1, 0));
    turns.step();
    assert.equal(batcher.counters.inflight, 1);
    for (let i = 1; i <= 5; i++) void batcher.submit(request(1, i));
    assert.equal(turns.pending.length, 0, 'nothing is scheduled while the run slot is taken');
    assert.equal(batcher.counters.queued, 5);
    turns.step();
    assert.equal(calls.length, 1);
    calls[0]!.complete();
    await settle();
    turns.step(); // the slot is free; no arrival since: the queued requests run
    assert.equal(calls.length, 2);
    assert.equal(calls[1]!.rows, 5);
    assert.deepEqual(batches, [
      [1, 1],
      [5, 5],
    ]);
  });

  test('queued requests that already waited the delay run as soon as the slot frees', async () => {
    const { batcher, turns, calls, advance } = setup({ maxBatchSize: 64 });
    void batcher.submit(request(1, 0));
    turns.step();
    void batcher.submit(request(1, 1));
    void batcher.submit(request(1, 2));
    advance(600);
    calls[0]!.complete();
    await settle();
    assert.equal(calls.length, 2, 'no extra turn');
    assert.equal(calls[1]!.rows, 2);
  });

  test('queued requests still within the delay get one more turn when the slot frees', async () => {
    const { batcher, turns, calls, advance } = setup({ maxBatchSize: 64 });
    void batcher.submit(request(1, 0));
    turns.step();
    void batcher.submit(request(1, 1));
    advance(100);
    calls[0]!.complete();
    await settle();
    assert.equal(calls.length, 1);
    void batcher.submit(request(1, 2)); // a client answered by the last run comes back in time
    turns.step(); // it arrived during this turn: one more
    assert.equal(calls.length, 1);
    turns.step(); // quiet
    assert.equal(calls.length, 2);
    assert.equal(calls[1]!.rows, 2);
  });

  test('maxInflight 2: a second batch starts while the first runs; a third waits', async () => {
    const { batcher, turns, calls, open } = setup({ maxBatchSize: 64, maxInflight: 2 });
    void batcher.submit(request(1, 0));
    turns.step();
    void batcher.submit(request(2, 1));
    turns.step();
    assert.equal(open().length, 2);
    void batcher.submit(request(3, 2));
    void batcher.submit(request(1, 3));
    turns.step();
    assert.equal(open().length, 2, 'never more than maxInflight runs');
    calls[1]!.complete(); // out of order
    await settle();
    turns.step();
    assert.equal(calls.length, 3);
    assert.equal(calls[2]!.rows, 4);
    assert.equal(batcher.counters.inflight, 2);
  });
});

describe('DynamicBatcher: failures, close, counters', () => {
  test('a failed run rejects each of its requests; the next batch is unaffected', async () => {
    const { batcher, turns, calls } = setup();
    const first = [1, 2, 3].map((r, i) => track(batcher.submit(request(r, i))));
    turns.step();
    turns.step();
    const boom = new Error('onnxruntime exploded');
    calls[0]!.fail(boom);
    await settle();
    for (const a of first) {
      assert.equal(a.state, 'rejected');
      assert.equal(a.error, boom);
    }
    const next = track(batcher.submit(request(1, 9)));
    turns.step();
    calls[1]!.complete();
    await settle();
    assert.equal(next.state, 'resolved');
    assert.equal(batcher.counters.failedRuns, 1);
  });

  test('a run function that throws synchronously rejects its requests too', async () => {
    const batcher = new DynamicBatcher(
      () => {
        throw new Error('sync');
      },
      { maxBatchSize: 4, maxQueueDelayMicros: 0 },
    );
    await assert.rejects(batcher.submit(request(1, 0)), /sync/);
    await assert.rejects(Promise.all([batcher.submit(request(1, 1)), batcher.submit(request(1, 2))]), /sync/);
    assert.equal(batcher.counters.inflight, 0);
  });

  test('close runs what is queued without waiting, then refuses new work with SHUTTING_DOWN', async () => {
    const { batcher, calls, turns } = setup({ maxBatchSize: 64, maxQueueDelayMicros: 1_000_000 });
    const queued = [track(batcher.submit(request(1, 0))), track(batcher.submit(request(2, 1)))];
    const closed = track(batcher.close());
    assert.equal(batcher.closed, true);
    assert.equal(calls.length, 1, 'the queue runs at once');
    await assert.rejects(batcher.submit(request(1, 2)), (e: unknown) => isMooringError(e) && e.code === 'SHUTTING_DOWN');
    await settle();
    assert.equal(closed.state, 'pending', 'close waits for the run');
    calls[0]!.complete();
    await settle();
    assert.equal(closed.state, 'resolved');
    assert.ok(queued.every((q) => q.state === 'resolved'));
    assert.equal(batcher.close(), batcher.close(), 'close is idempotent');
    void turns;
  });

  test('close with nothing queued resolves at once', async () => {
    const { batcher } = setup();
    await batcher.close();
  });

  test('close drains more batches than fit in flight', async () => {
    const { batcher, calls, turns } = setup({ maxBatchSize: 2 });
    void batcher.submit(request(1, 0));
    turns.step();
    const rest = [1, 2, 3, 4, 5].map((i) => track(batcher.submit(request(1, i))));
    const closed = track(batcher.close());
    for (let guard = 0; guard < 10 && closed.state === 'pending'; guard++) {
      for (const c of calls.slice()) c.complete();
      await settle();
    }
    assert.equal(closed.state, 'resolved');
    assert.ok(rest.every((r) => r.state === 'resolved'));
    assert.deepEqual(
      calls.map((c) => c.rows),
      [1, 2, 2, 1],
    );
  });

  test('counters', async () => {
    const { batcher, calls, turns } = setup({ maxBatchSize: 64 });
    void batcher.submit(request(2, 0));
    void batcher.submit(request(3, 1));
    turns.step();
    turns.step();
    calls[0]!.complete();
    await settle();
    assert.deepEqual(batcher.counters, {
      requests: 2,
      runs: 1,
      batchedRuns: 1,
      rows: 5,
      failedRuns: 0,
      unsplittableBatches: 0,
      queued: 0,
      inflight: 0,
    });
  });

  test('options are checked', () => {
    const run: RunBatch = async () => [];
    assert.throws(() => new DynamicBatcher(run, { maxBatchSize: 0, maxQueueDelayMicros: 0 }), /maxBatchSize/);
    assert.throws(() => new DynamicBatcher(run, { maxBatchSize: 1, maxQueueDelayMicros: -1 }), /maxQueueDelayMicros/);
    assert.throws(() => new DynamicBatcher(run, { maxBatchSize: 1, maxQueueDelayMicros: 0, maxInflight: 0 }), /maxInflight/);
  });
});

describe('DynamicBatcher: outputs that cannot be split by rows', () => {
  // A model that answers one summary row whatever the batch: fine alone, impossible to cut back.
  const summary = (inputs: readonly Tensor[]): Tensor[] => {
    const x = inputs[0]!.data as Float32Array;
    let s = 0;
    for (const v of x) s += v;
    return [{ name: 'sum', datatype: 'FP32', shape: [1], data: Float32Array.of(s) }];
  };

  test('the batch is re-run request by request, the caller is told, and combining stops', async () => {
    const problems: string[] = [];
    const { batcher, turns, calls, batches } = setup({ onUnsplittable: (reason) => problems.push(reason) }, summary);
    const answers = [1, 2].map((r, i) => track(batcher.submit(request(r, i))));
    turns.step();
    turns.step();
    calls[0]!.complete();
    await settle();
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /output "sum" has shape \[1\] for a batch of 3 rows/);
    assert.equal(batcher.combining, false);
    // The two requests now run alone, one after the other, in the same slot.
    calls[1]!.complete();
    await settle();
    calls[2]!.complete();
    await settle();
    for (let i = 0; i < 2; i++) assert.deepEqual(plain(answers[i]!.value!), plain(summary(request([1, 2][i]!, i))));
    assert.deepEqual(batches, [
      [3, 2],
      [1, 1],
      [2, 1],
    ]);
    // From now on every request runs alone, at once.
    void batcher.submit(request(1, 5));
    void batcher.submit(request(1, 6));
    assert.equal(calls.length, 4);
    assert.equal(calls[3]!.rows, 1);
    assert.equal(batcher.counters.unsplittableBatches, 1);
  });
});

describe('DynamicBatcher: batched answers equal unbatched answers (property)', () => {
  type Step =
    | { readonly kind: 'submit'; readonly rows: number }
    | { readonly kind: 'turn' }
    | { readonly kind: 'complete'; readonly pick: number }
    | { readonly kind: 'tick'; readonly micros: number };

  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max: 6 }).map((rows) => ({ kind: 'submit' as const, rows })) },
    { weight: 2, arbitrary: fc.constant({ kind: 'turn' as const }) },
    { weight: 2, arbitrary: fc.nat(7).map((pick) => ({ kind: 'complete' as const, pick })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 400 }).map((micros) => ({ kind: 'tick' as const, micros })) },
  );

  test('any row counts, arrival orders, completion orders and settings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(0, 100, 500),
        async (steps, maxBatchSize, maxInflight, maxQueueDelayMicros) => {
          const { batcher, turns, open, batches, advance } = setup({ maxBatchSize, maxInflight, maxQueueDelayMicros });
          const submitted: { rows: number; seed: number; answer: ReturnType<typeof track<Tensor[]>> }[] = [];
          const finish = async (pick: number): Promise<void> => {
            const running = open();
            if (running.length > 0) running[pick % running.length]!.complete();
            await settle();
          };
          for (const s of steps) {
            if (s.kind === 'submit') {
              const seed = submitted.length;
              submitted.push({ rows: s.rows, seed, answer: track(batcher.submit(request(s.rows, seed))) });
            } else if (s.kind === 'turn') turns.step();
            else if (s.kind === 'tick') advance(s.micros);
            else await finish(s.pick);
            assert.ok(open().length <= maxInflight, 'never more runs than maxInflight');
          }
          // Drain: turns and completions until nothing is left; every request must settle.
          for (let guard = 0; guard < 1000 && (turns.pending.length > 0 || open().length > 0); guard++) {
            turns.step();
            await finish(0);
          }
          for (const { rows, seed, answer } of submitted) {
            assert.equal(answer.state, 'resolved', 'every request is answered');
            assert.deepEqual(plain(answer.value!), plain(fakeModel(request(rows, seed))));
          }
          for (const [rows, requests] of batches) assert.ok(requests === 1 || rows <= maxBatchSize, `batch of ${rows} rows`);
          assert.equal(
            batches.reduce((n, [, requests]) => n + requests, 0),
            submitted.length,
            'each request runs exactly once',
          );
          assert.deepEqual(batcher.counters.queued, 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
