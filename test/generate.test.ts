import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeShopFiles, checkRunOptions } from '../lib/generate/generate-shop';
import { parseCents } from '../lib/source/current-shop';
import { SHOP_TABLE_NAMES, generatedFile, readGeneratedManifest, readGeneratedRows, formatCents, formatTimestamp } from '../lib/generate/files';
import { ordersPerDay, HISTORY_FIRST_DAY, HISTORY_DAYS } from '../lib/generate/calendar';
import { OrderHeError } from '../lib/core/errors';
import { TABLES, columnNames, type ColumnKind } from '../lib/core/tables';
import type { RunOptions } from '../lib/core/steps';

// These tests only write files: no database is touched. Each run writes under its own temp folder.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhe-generate-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const base: RunOptions = { orders: 3000, seed: 11, locale: 'en' };
let runs = 0;
async function generate(options: RunOptions, batchSize?: number) {
  const dir = path.join(root, `run${runs++}`);
  const result = await writeShopFiles(dir, options, { batchSize });
  return { dir, result };
}
const bytes = (dir: string, table: (typeof SHOP_TABLE_NAMES)[number]) => fs.readFileSync(generatedFile(dir, table));
// Positions of the orders columns the tests read, from the registry (the file's column order).
const at = (name: string) => columnNames('orders').indexOf(name);
const AMOUNTS = [at('items_amount'), at('total_amount') + 1] as const;
const lines = (dir: string, table: (typeof SHOP_TABLE_NAMES)[number]) => bytes(dir, table).toString('utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));

test('the same seed gives byte-identical files whatever the batch size', async () => {
  const a = await generate(base, 37);
  const b = await generate(base, 100_000);
  for (const t of SHOP_TABLE_NAMES) assert.ok(bytes(a.dir, t).equals(bytes(b.dir, t)), `${t} differs`);
  assert.deepEqual(readGeneratedManifest(a.dir), readGeneratedManifest(b.dir));
});

test('another seed gives a different shop', async () => {
  const a = await generate(base);
  const b = await generate({ ...base, seed: 12 });
  for (const t of ['customers', 'orders', 'order_items'] as const) assert.ok(!bytes(a.dir, t).equals(bytes(b.dir, t)), `${t} is the same`);
});

test('exactly the asked number of orders is generated, with more items than orders', async () => {
  const { dir, result } = await generate({ ...base, orders: 5000 });
  const orders = lines(dir, 'orders');
  assert.equal(orders.length, 5000);
  assert.deepEqual(orders.map((o) => Number(o[0])), Array.from({ length: 5000 }, (_, i) => i + 1));
  assert.ok(lines(dir, 'order_items').length > 5000);
  assert.equal((result.detail!.tables as Record<string, number>).orders, 5000);
});

test('order amounts reconcile to the cent: items = sum of lines, total = items - discount + shipping', async () => {
  const { dir } = await generate(base);
  const lineSum = new Map<string, number>();
  for (const item of lines(dir, 'order_items')) {
    const [, orderId, , quantity, unit, discount, line] = item;
    assert.equal(Number(quantity) * parseCents(unit) - parseCents(discount), parseCents(line));
    lineSum.set(orderId, (lineSum.get(orderId) ?? 0) + parseCents(line));
  }
  for (const o of lines(dir, 'orders')) {
    const [items, discount, shipping, total] = o.slice(...AMOUNTS).map(parseCents);
    assert.equal(items, lineSum.get(o[0]));
    assert.equal(total, items - discount + shipping);
  }
});

test('every order has a status history that starts with placed, moves forward in time and ends in its status', async () => {
  const { dir } = await generate(base);
  const next: Record<string, string[]> = { placed: ['paid', 'cancelled'], paid: ['shipped', 'cancelled'], shipped: ['delivered'], delivered: ['refunded'], cancelled: [], refunded: [] };
  const history = new Map<string, { status: string; at: string }[]>();
  for (const h of lines(dir, 'order_status_history')) {
    const list = history.get(h[1]) ?? [];
    list.push({ status: h[2], at: h[3] });
    history.set(h[1], list);
  }
  const until = readGeneratedManifest(dir).until.replace('T', ' ').slice(0, 23);
  for (const o of lines(dir, 'orders')) {
    const steps = history.get(o[0])!;
    assert.equal(steps[0].status, 'placed');
    assert.equal(steps[0].at, o[3]);
    for (let i = 1; i < steps.length; i++) {
      assert.ok(next[steps[i - 1].status].includes(steps[i].status), `order ${o[0]}: ${steps[i - 1].status} -> ${steps[i].status}`);
      assert.ok(steps[i].at > steps[i - 1].at, `order ${o[0]} goes back in time`);
    }
    const last = steps[steps.length - 1];
    assert.equal(o[2], last.status);
    assert.equal(o[at('updated_at')], last.at, 'updated_at is the last change');
    assert.ok(last.at < until, 'nothing happens after the end of the history');
  }
});

test('the shop has repeat buyers, recent orders still in flight, and holiday peaks', async () => {
  const { dir } = await generate({ ...base, orders: 6000 });
  const orders = lines(dir, 'orders');
  const perCustomer = new Map<string, number>();
  for (const o of orders) perCustomer.set(o[1], (perCustomer.get(o[1]) ?? 0) + 1);
  const repeat = [...perCustomer.values()].filter((n) => n > 1).length;
  assert.ok(repeat / perCustomer.size > 0.2, 'at least a fifth of buyers come back');
  assert.ok(Math.max(...perCustomer.values()) >= 10, 'some customers are heavy buyers');
  const statuses = new Set(orders.slice(-30).map((o) => o[2]));
  assert.ok(statuses.has('placed') || statuses.has('paid') || statuses.has('shipped'), 'the last orders are not all finished');
  const perDay = ordersPerDay('en', HISTORY_FIRST_DAY, HISTORY_DAYS, 100_000);
  const blackFriday2025 = (Date.UTC(2025, 10, 28) / 86_400_000) - HISTORY_FIRST_DAY;
  const average2025 = perDay.slice(366).reduce((a, b) => a + b, 0) / 365;
  assert.ok(perDay[blackFriday2025] > 2.5 * average2025, 'Black Friday sells well above an average day');
  assert.ok(perDay.slice(366).reduce((a, b) => a + b, 0) > perDay.slice(0, 366).reduce((a, b) => a + b, 0) * 1.3, 'the second year outgrows the first');
});

test('the ko shop uses Korean names and Korean addresses, and KRW in whole won', async () => {
  const { dir } = await generate({ ...base, locale: 'ko', orders: 500 });
  const customers = await readGeneratedRows(dir, 'customers', 50);
  assert.ok(customers.filter((c) => c.country === 'KR').length > customers.length / 2, 'the home market is the biggest');
  assert.ok(customers.some((c) => /[\uac00-\ud7a3]/.test(String(c.first_name))));
  for (const o of lines(dir, 'orders')) {
    assert.equal(o[4], 'KRW');
    for (const amount of o.slice(...AMOUNTS)) assert.ok(amount.endsWith('.00'), `${amount} is not whole won`);
  }
});

test('dirty data comes at the stated kinds and the counts match the rows', async () => {
  const { dir, result } = await generate({ ...base, orders: 4000, dirty: true });
  const counts = result.detail!.dirty as Record<string, number>;
  const customers = lines(dir, 'customers');
  const emails = customers.map((c) => c[1]).filter((e) => e !== '\\N');
  assert.equal(customers.filter((c) => c[1] === '\\N').length, counts.missingEmails);
  assert.equal(customers.filter((c) => c[5] === '\\N').length, counts.missingCities);
  assert.equal(emails.filter((e) => !/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(e)).length, counts.malformedEmails);
  assert.equal(emails.length - new Set(emails).size, counts.duplicateCustomers);
  assert.equal(customers.filter((c) => [c[2], c[3], c[5]].some((v) => v !== v.trim())).length, counts.strayWhitespace);
  assert.equal(lines(dir, 'order_items').filter((i) => Number(i[3]) < 0).length, counts.negativeQuantities);
  for (const kind of Object.keys(counts)) assert.ok(counts[kind] > 0, `no ${kind} at all`);
  const clean = await generate({ ...base, orders: 4000 });
  assert.equal(clean.result.detail!.dirty, undefined, 'clean by default');
});

test('nonsense options are refused in one sentence', () => {
  for (const bad of [{ orders: 0 }, { orders: -5 }, { orders: 1.5 }, { orders: Number.NaN }, { orders: 1e12 }, { seed: -1 }, { seed: 2 ** 40 }, { locale: 'fr' }, { append: { days: 0 } }]) {
    assert.throws(() => checkRunOptions({ ...base, ...bad } as RunOptions), (err: unknown) => err instanceof OrderHeError && !err.message.includes('\n'), JSON.stringify(bad));
  }
});

test('money and timestamps are written the way MySQL reads them', () => {
  assert.equal(formatCents(123456), '1234.56');
  assert.equal(formatCents(-5), '-0.05');
  assert.equal(parseCents('-0.05'), -5);
  assert.equal(formatTimestamp(Date.UTC(2025, 2, 1, 14, 5, 9, 7)), '2025-03-01 14:05:09.007');
});

/** What a field of each kind looks like in a generated file (NULL, \N, is checked apart). */
const FIELD_OF_KIND: Record<ColumnKind, RegExp> = {
  id: /^[1-9]\d*$/,
  integer: /^-?\d+$/,
  money: /^-?\d+\.\d\d$/,
  timestamp: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/,
  boolean: /^[01]$/,
  code: /^[\x21-\x7e]+$/,
  text: /^[^\t\n]*$/,
};

test('every generated field fits the registry\'s column at its position: kind, accepted values, NULL only where nullable', async () => {
  const { dir } = await generate({ ...base, dirty: true });
  const problems = new Set<string>();
  for (const t of SHOP_TABLE_NAMES) {
    const columns = TABLES[t].columns;
    for (const fields of lines(dir, t)) {
      if (fields.length !== columns.length) problems.add(`${t}: ${fields.length} fields, the registry has ${columns.length} columns`);
      columns.forEach((c, i) => {
        const v = fields[i];
        if (v === '\\N') {
          if (!c.nullable) problems.add(`${t}.${c.name} is NULL but not nullable`);
        } else if (!FIELD_OF_KIND[c.kind].test(v ?? '')) problems.add(`${t}.${c.name} holds ${JSON.stringify(v)}, not a ${c.kind}`);
        else if (c.accepted && !c.accepted.includes(v)) problems.add(`${t}.${c.name} holds ${JSON.stringify(v)}, not one of ${c.accepted.join(', ')}`);
      });
    }
    assert.deepEqual(Object.keys((await readGeneratedRows(dir, t, 1))[0]), columnNames(t), `readGeneratedRows names ${t}'s columns in registry order`);
  }
  assert.deepEqual([...problems], []);
});
