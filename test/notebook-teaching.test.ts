/**
 * The teaching shape of the step notebooks (issue 9), read from the committed .ipynb files: objectives first,
 * exercises that come with a hidden solution and a check, a checkpoint, a recap, and the context closed last.
 * Whether they run is notebooks.test.ts's job; this says they are workshop material, without a kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers';

// The notebooks this pass covers; the same rules fit every step notebook.
const NOTEBOOKS = ['01_generate_data', '02_load_source', '03_transform', '04_backup_to_lake', '05_load_warehouse', '06_build_mart', '07_dashboard', '08_explore_mart'];

interface Cell { cell_type: string; id?: string; source: string | string[]; metadata: { tags?: string[]; jupyter?: { source_hidden?: boolean } }; outputs?: unknown[]; execution_count?: number | null }
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const tags = (c: Cell) => c.metadata.tags ?? [];
const read = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'notebooks', `${name}.ipynb`), 'utf8')) as { cells: Cell[]; metadata: { kernelspec?: { name?: string } } };

for (const name of NOTEBOOKS) {
  test(`${name} opens with its title, what the learner will be able to do, the notebook before it and the time it takes`, () => {
    const first = text(read(name).cells[0]);
    assert.match(first, /^# \d\d · /);
    assert.match(first, /\*\*By the end you will\*\*/);
    assert.match(first, /\*\*Prerequisites:\*\* .*\d\d_\w+/);
    assert.match(first, /\*\*Time:\*\* about \d+ minutes/);
  });

  test(`${name} has at least two exercises, each a runnable skeleton, then a hidden solution, then a check that calls checkAnswer`, () => {
    const cells = read(name).cells;
    const exercises = cells.map((c, i) => [c, i] as const).filter(([c]) => tags(c).includes('exercise'));
    assert.ok(exercises.length >= 2, `${exercises.length} exercise cells`);
    for (const [exercise, i] of exercises) {
      assert.equal(cells[i - 1].cell_type, 'markdown', `the task is stated before exercise cell ${exercise.id}`);
      assert.match(text(exercise), /TODO/, `exercise ${exercise.id} says what to complete`);
      const [solution, check] = [cells[i + 1], cells[i + 2]];
      assert.deepEqual(tags(solution), ['solution'], `a solution follows ${exercise.id}`);
      assert.equal(solution.metadata.jupyter?.source_hidden, true, `solution ${solution.id} is collapsed`);
      assert.deepEqual(tags(check), ['check'], `a check follows ${solution.id}`);
      assert.match(text(check), /checkAnswer\(/, `check ${check.id} prints ✓/✗ through checkAnswer`);
    }
  });

  test(`${name}'s checks call a check of lib/notebook/exercises (a truth computed there, not a boolean in the cell), and no task quotes its solution`, () => {
    const cells = read(name).cells;
    for (const [i, c] of cells.entries()) {
      if (!tags(c).includes('exercise')) continue;
      const [task, solution, check] = [text(cells[i - 1]), text(cells[i + 1]), text(cells[i + 2])];
      assert.match(check, /checkAnswer\((await )?check[A-Z]\w*\(/, `check after ${c.id} hands checkAnswer an exercise check's result`);
      const solutionLines = solution.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim()).filter((l) => l.length >= 25);
      for (const line of solutionLines) assert.ok(!task.replace(/\s+/g, ' ').includes(line.replace(/\s+/g, ' ')), `the task before ${c.id} quotes its solution: ${line}`);
    }
  });

  test(`${name} verifies the learner's state in a checkpoint cell, then recaps and closes the context last`, () => {
    const cells = read(name).cells;
    const checkpoints = cells.filter((c) => tags(c).includes('checkpoint'));
    assert.equal(checkpoints.length, 1);
    assert.match(text(checkpoints[0]), /await checkpoint\(ctx, '(generate|source|lake|staging|warehouse|mart|dashboard)'/);
    const last = cells[cells.length - 1];
    assert.equal(text(last).trim(), 'await ctx.close();');
    assert.match(text(cells[cells.length - 2]), /^## Recap and what comes next/);
    assert.ok(cells.indexOf(checkpoints[0]) < cells.length - 2, 'the checkpoint comes before the recap');
  });

  test(`${name} is stored without outputs, with a unique id per cell and the tslab kernel`, () => {
    const nb = read(name);
    assert.equal(nb.metadata.kernelspec?.name, 'tslab');
    const ids = nb.cells.map((c) => c.id);
    assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0), 'every cell has an id');
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    for (const c of nb.cells.filter((c) => c.cell_type === 'code')) {
      assert.deepEqual(c.outputs, [], `cell ${c.id} has no stored outputs`);
      assert.equal(c.execution_count, null, `cell ${c.id} has no execution count`);
    }
  });
}
