/**
 * How an exercise answers a learner: ✓ with what was found, or ✗ with what differs from the truth (expected vs got,
 * a few lines) and the next hint. Hints come in steps: the check shows the first, `hint(id)` the next one, and only
 * the last step is the answer. A failed check stops the notebook at the exercise (the runner fails, so a shipped
 * solution that does not pass fails `npm run notebooks`), but with one line, not a stack trace.
 */
import { inspect } from 'node:util';

/** What a check function returns: pure data, so the tests can run it on wrong answers without a kernel. */
export interface ExerciseResult {
  /** The exercise id, e.g. '04.1' (notebook 04, exercise 1). */
  id: string;
  ok: boolean;
  /** One line: what was found. */
  summary: string;
  /** When not ok: each difference from the truth, briefly (expected vs got). */
  differences: string[];
}

export interface ExerciseInfo {
  title: string;
  /** From a nudge to the answer: the last entry is the answer itself. */
  hints: string[];
}

const registry = new Map<string, ExerciseInfo>();
const hintsShown = new Map<string, number>();

/** Declares an exercise's title and stepped hints (each exercises/*.ts file declares its own). */
export function defineExercise(id: string, info: ExerciseInfo): string {
  if (info.hints.length < 2) throw new Error(`Exercise ${id} needs a nudge before its answer (at least two hints).`);
  registry.set(id, info);
  return id;
}

export function exerciseInfo(id: string): ExerciseInfo {
  const info = registry.get(id);
  if (!info) throw new Error(`No exercise ${id}; the exercises are ${[...registry.keys()].join(', ')}.`);
  return info;
}

export function exerciseIds(): string[] {
  return [...registry.keys()].sort();
}

/** A result from a list of differences: ok when there are none. Keeps at most `limit` lines, saying how many more. */
export function resultOf(id: string, summary: string, differences: string[], limit = 5): ExerciseResult {
  const shown = differences.length > limit ? [...differences.slice(0, limit), `… and ${differences.length - limit} more`] : differences;
  return { id, ok: differences.length === 0, summary, differences: shown };
}

/** Thrown by a failed check: the ✗ lines are already printed, so the kernel shows this one line and no stack trace. */
export class ExerciseNotSolved extends Error {
  constructor(readonly exercise: string, title: string) {
    super(`Exercise ${exercise} (${title}) is not solved yet: see the ✗ above. Change your answer and run the exercise cell, then this check again.`);
    this.name = 'ExerciseNotSolved';
    this.stack = `${this.name}: ${this.message}`;
  }

  [inspect.custom](): string {
    return this.message;
  }
}

/** The text a check prints: ✓ line, or ✗ line, differences and the next hint. */
export function formatResult(result: ExerciseResult): string {
  const info = exerciseInfo(result.id);
  if (result.ok) return `✓ ${result.id} ${info.title}: ${result.summary}`;
  const step = Math.min(hintsShown.get(result.id) ?? 0, info.hints.length - 2);
  const lines = [
    `✗ ${result.id} ${info.title}: ${result.summary}`,
    ...result.differences.map((d) => `    · ${d}`),
    `    hint ${step + 1} of ${info.hints.length}: ${info.hints[step]}`,
    `    (hint('${result.id}') shows the next hint; the last one is the answer)`,
  ];
  return lines.join('\n');
}

/**
 * Prints the result of an exercise's check. A ✗ throws ExerciseNotSolved, which the kernel shows as one line,
 * so the notebook stops at the exercise instead of going on with a wrong state.
 */
export function checkAnswer(result: ExerciseResult): void {
  console.log(formatResult(result));
  if (!result.ok) {
    // The hint just printed counts as shown, so hint(id) goes on from the next one.
    const shown = Math.min(hintsShown.get(result.id) ?? 0, exerciseInfo(result.id).hints.length - 2) + 1;
    hintsShown.set(result.id, Math.max(hintsShown.get(result.id) ?? 0, shown));
    throw new ExerciseNotSolved(result.id, exerciseInfo(result.id).title);
  }
}

/** Prints the next hint of an exercise (after the one its check showed); the last one is the answer. */
export function hint(id: string): void {
  const info = exerciseInfo(id);
  const step = Math.min(hintsShown.get(id) ?? 0, info.hints.length - 1);
  hintsShown.set(id, step + 1);
  const last = step === info.hints.length - 1;
  console.log(`${last ? 'answer' : `hint ${step + 1} of ${info.hints.length}`} (${id} ${info.title}): ${info.hints[step]}`);
}

/** For the tests: forget which hints were shown. */
export function resetHints(): void {
  hintsShown.clear();
}

/** Money compared in whole cents, so 0.1 + 0.2 and 0.30 agree. */
export const cents = (v: unknown): number => Math.round(Number(v) * 100);
export const money = (c: number): string => (c / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * Compares two result sets row by row in order (or as sets of keys when order does not matter): the rows must be
 * the same and carry the same values, money to the cent. Returns the differences in a person's words.
 */
export function compareRows(expected: Record<string, unknown>[], got: Record<string, unknown>[], o: {
  key: string; columns: { name: string; kind: 'money' | 'number' | 'text' | 'average' }[]; ordered: boolean; what?: string;
}): string[] {
  const what = o.what ?? 'row';
  const diffs: string[] = [];
  const norm = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v === null || v === undefined ? String(v) : String(v));
  const missingCols = o.columns.map((c) => c.name).concat(o.key).filter((c) => got.length > 0 && !(c in got[0]));
  if (missingCols.length) return [`your result has no column ${missingCols.join(', ')} (columns: ${got.length ? Object.keys(got[0]).join(', ') : 'none'})`];
  const gotByKey = new Map<string, Record<string, unknown>>();
  for (const r of got) {
    const k = norm(r[o.key]);
    if (gotByKey.has(k)) diffs.push(`${what} ${k} appears twice`);
    gotByKey.set(k, r);
  }
  const expectedKeys = expected.map((r) => norm(r[o.key]));
  const missing = expectedKeys.filter((k) => !gotByKey.has(k));
  const extra = [...gotByKey.keys()].filter((k) => !expectedKeys.includes(k));
  if (missing.length) diffs.push(`expected ${expected.length} ${what}s, got ${got.length}; missing: ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', …' : ''}`);
  if (extra.length) diffs.push(`${extra.length} ${what}(s) that should not be there: ${extra.slice(0, 4).join(', ')}${extra.length > 4 ? ', …' : ''}`);
  for (const e of expected) {
    const k = norm(e[o.key]);
    const g = gotByKey.get(k);
    if (!g) continue;
    for (const c of o.columns) {
      const [ev, gv] = [e[c.name], g[c.name]];
      const same = c.kind === 'money' ? cents(ev) === cents(gv)
        : c.kind === 'average' ? Math.abs(Number(ev) - Number(gv)) < 0.01
          : c.kind === 'number' ? Number(ev) === Number(gv) : norm(ev) === norm(gv);
      const show = (v: unknown) => (c.kind === 'money' ? money(cents(v)) : c.kind === 'average' ? Number(v).toFixed(2) : norm(v));
      if (!same) diffs.push(`${what} ${k}: ${c.name} expected ${show(ev)}, got ${show(gv)}`);
    }
  }
  if (o.ordered && missing.length === 0 && extra.length === 0) {
    const gotKeys = got.map((r) => norm(r[o.key]));
    const at = expectedKeys.findIndex((k, i) => gotKeys[i] !== k);
    if (at >= 0) diffs.push(`order: row ${at + 1} should be ${expectedKeys[at]}, got ${gotKeys[at]}`);
  }
  return diffs;
}

/** The set difference of two id lists, in words. */
export function compareIds(expected: Iterable<unknown>, got: Iterable<unknown>, what: string): string[] {
  const e = new Set([...expected].map(String));
  const gList = [...got].map(String);
  const g = new Set(gList);
  const diffs: string[] = [];
  if (g.size !== gList.length) diffs.push(`some ${what}s are listed more than once (${gList.length} listed, ${g.size} distinct)`);
  const missing = [...e].filter((x) => !g.has(x));
  const extra = [...g].filter((x) => !e.has(x));
  if (missing.length) diffs.push(`missing ${missing.length} ${what}(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  if (extra.length) diffs.push(`${extra.length} ${what}(s) that should not be there: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  return diffs;
}

/** Runs learner code for a check; an exception becomes a difference, not a crash. */
export async function attempt<T>(what: string, run: () => T | Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await run() };
  } catch (err) {
    return { error: `${what} failed: ${(err as Error)?.message ?? String(err)}`.split('\n')[0] };
  }
}
