/**
 * Runs first in `npm test`: what the suite needs beyond npm packages, so that `npm ci && npm test` is all a
 * contributor types on a fresh Debian machine of this project's kind.
 *   - Debian packages: Jupyter (nbconvert, nbclient, ipykernel) for the notebooks, Chromium for the browser
 *     tests, awscli for the lake walkthrough README shows. As root they are installed with apt-get; otherwise
 *     one sentence names the command.
 *   - MariaDB and PostgreSQL on 127.0.0.1: as root they are started when they are down (the commands .ci/run
 *     used to hold); otherwise one sentence says how.
 *   - The classic notebook (jupyter-notebook), the frontend `npm run lab` opens: the lab tests start it, so that a
 *     clean machine's CI serves the kernel for real instead of skipping that test.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const isRoot = process.getuid?.() === 0;
const hasApt = fs.existsSync('/usr/bin/apt-get');

const onPath = (cmd: string) => (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** Each Debian package the suite needs, with how to tell it is there. */
const PACKAGES: { deb: string; present: () => boolean }[] = [
  { deb: 'jupyter-nbconvert', present: () => onPath('jupyter-nbconvert') },
  { deb: 'jupyter-notebook', present: () => onPath('jupyter-notebook') },
  { deb: 'python3-nbclient', present: () => ok('/usr/bin/python3', ['-c', 'import nbclient']) },
  { deb: 'python3-ipykernel', present: () => ok('/usr/bin/python3', ['-c', 'import ipykernel']) },
  { deb: 'chromium', present: () => fs.existsSync('/usr/bin/chromium') },
  { deb: 'awscli', present: () => onPath('aws') },
];

function stop(sentence: string): never {
  process.stderr.write(`✗ ${sentence}\n`);
  process.exit(1);
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

async function waitFor(port: number, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds; i++) {
    if (await listening(port)) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

async function main() {
  const missing = PACKAGES.filter((p) => !p.present()).map((p) => p.deb);
  if (missing.length) {
    const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
    if (!isRoot || !hasApt) stop(`npm test needs ${missing.join(', ')}: install ${missing.length === 1 ? 'it' : 'them'} with "sudo ${command}" (Debian/Ubuntu), then run npm test again.`);
    process.stdout.write(`npm test needs ${missing.join(', ')}; installing: ${command}\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('apt-get', command.split(' ').slice(1), { stdio: 'inherit', env });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
      r = spawnSync('apt-get', command.split(' ').slice(1), { stdio: 'inherit', env });
    }
    const still = PACKAGES.filter((p) => !p.present()).map((p) => p.deb);
    if (r.status !== 0 || still.length) stop(`Installing ${still.join(', ') || missing.join(', ')} failed (see apt-get above); install ${still.length === 1 ? 'it' : 'them'} by hand, then run npm test again.`);
  }

  const servers = [
    { name: 'MariaDB', port: Number(process.env.MYSQL_PORT ?? 3306), start: ['start-stop-daemon', '--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd'], can: fs.existsSync('/usr/sbin/mariadbd') },
    { name: 'PostgreSQL', port: Number(process.env.PGPORT ?? 5432), start: ['pg_ctlcluster', '--skip-systemctl-redirect', fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql')[0] ?? '' : '', 'main', 'start'], can: fs.existsSync('/etc/postgresql') },
  ];
  for (const s of servers) {
    if (await listening(s.port)) continue;
    if (!isRoot || !s.can) stop(`npm test needs ${s.name} on 127.0.0.1:${s.port} and nothing listens there: start it (as root: ${s.start.join(' ')}), then run npm test again.`);
    process.stdout.write(`${s.name} is not running on 127.0.0.1:${s.port}; starting it: ${s.start.join(' ')}\n`);
    spawnSync(s.start[0], s.start.slice(1), { stdio: 'inherit' });
    if (!(await waitFor(s.port, 60))) stop(`${s.name} did not start on 127.0.0.1:${s.port} within 60 s; see its log, start it, then run npm test again.`);
  }
}

void main();
