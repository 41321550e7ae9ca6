/** npm run doctor -- [--profile P] [--config FILE]: checks every connection and permission; exit 1 on any failure. */
import { main, parseCli } from './common';
import { loadConfig } from '../../lib/core/config';
import { redact } from '../../lib/core/errors';
import path from 'node:path';

const USAGE = `
Usage: npm run doctor -- [--profile P] [--config FILE]

Checks the MySQL source, the lake, the warehouse and the output folder of a profile,
and prints what is wrong and how to fix it. Exits 1 when any check fails.
`;

main(async () => {
  const { values } = parseCli({}, USAGE);
  const config = loadConfig({ profile: values.profile, configFile: values.config });
  process.stdout.write(`Order-He doctor · profile ${config.profile} (${path.relative(process.cwd(), config.file)})\n`);
  process.stdout.write(`  ✓ ${'config'.padEnd(13)} valid\n`);
  // The checks (and the drivers they open) load once the flags are parsed: --help answers without them.
  const { runDoctor } = await import('../../lib/doctor.js');
  const checks = await runDoctor(config);
  for (const c of checks) {
    process.stdout.write(redact(`  ${c.ok ? '✓' : '✗'} ${c.part.padEnd(13)} ${c.message}\n`));
    if (c.fix) process.stdout.write(redact(`    fix: ${c.fix}\n`));
  }
  const failed = checks.filter((c) => !c.ok).length;
  process.stdout.write(failed ? `${failed} problem(s) found.\n` : 'All good: npm run pipeline is ready to run.\n');
  process.exitCode = failed ? 1 : 0;
});
