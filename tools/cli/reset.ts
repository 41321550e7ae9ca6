/** npm run reset -- [--profile P] [--yes] [--kernels]: drops this project's databases, bucket and data files, nothing else. */
import readline from 'node:readline/promises';
import { main, parseCli } from './common';
import { loadConfig } from '../../lib/core/config';
import { OrderHeError } from '../../lib/core/errors';

const USAGE = `
Usage: npm run reset -- [--profile P] [--config FILE] [--yes] [--kernels]

Drops this project's source and warehouse databases and lake objects (and those of the notebooks' and the
bench's own workspaces), and removes everything in the data folder but its README.md.
  --kernels   also unregister the TypeScript kernel that npm run lab / kernel / notebooks registered
Asks first on a terminal; --yes skips the question (needed when there is no terminal).
`;

main(async () => {
  const { values } = parseCli({ yes: { type: 'boolean', default: false }, kernels: { type: 'boolean', default: false } }, USAGE);
  const config = loadConfig({ profile: values.profile, configFile: values.config });
  // tools/reset opens every driver; it loads once the flags are parsed, so --help answers without them.
  const { resetPlan, resetProject } = await import('../reset.js');
  const options = { kernels: values.kernels };
  const plan = resetPlan(config, options);
  process.stdout.write(`Reset (profile ${config.profile}) removes:\n${plan.map((p) => `  - ${p}\n`).join('')}`);
  if (!values.yes) {
    if (!process.stdin.isTTY) throw new OrderHeError('Reset needs confirmation and there is no terminal to ask.', 'Run npm run reset -- --yes');
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question('Type "yes" to go on: ');
    rl.close();
    if (answer.trim() !== 'yes') {
      process.stdout.write('Nothing was removed.\n');
      return;
    }
  }
  await resetProject(config, (s) => process.stdout.write(`  ✓ ${s}\n`), options);
  process.stdout.write('Reset done. Start again with: npm run pipeline\n');
});
