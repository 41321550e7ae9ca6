/**
 * Driver errors translated into what a learner can act on. This is the original project's
 * "key issues" section made runnable: each known failure names its cause and its fix.
 */
import { OrderHeError } from './errors';

interface DriverError { code?: string; errno?: number; message?: string; name?: string; $metadata?: { httpStatusCode?: number } }

export type Part = 'MySQL source' | 'warehouse' | 'lake';

/** Connection-level failures: refused, unknown host, timeout, bad credentials. Returns undefined when not recognised. */
export function explainConnectionError(part: Part, where: string, err: unknown, hints: { start?: string; user?: string; port?: { value: number; usual: number; variable: string } } = {}): OrderHeError | undefined {
  const e = (err ?? {}) as DriverError;
  const code = e.code ?? '';
  const msg = e.message ?? '';
  if (code === 'ECONNREFUSED') {
    const start = hints.start ?? 'Start the server, or point the profile at the right host and port.';
    // Refused on an unusual port is most often a wrong port, not a stopped server: say that first.
    const port = hints.port && hints.port.value !== hints.port.usual
      ? `Check the port first: ${hints.port.variable} is ${hints.port.value}, but the ${part} usually listens on ${hints.port.usual} (unset ${hints.port.variable} or set it to the server's port). If the port is right: ${start}`
      : start;
    return new OrderHeError(`Cannot reach the ${part} at ${where}: connection refused (nothing is listening there).`, port, { cause: err });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new OrderHeError(`Cannot reach the ${part} at ${where}: the host name does not resolve.`, 'Check the host in the profile (or the environment variable behind it).', { cause: err });
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || /timeout/i.test(msg) && !code) {
    return new OrderHeError(`Cannot reach the ${part} at ${where}: the connection timed out.`,
      'On AWS this is usually a security group without an inbound rule for your IP on that port (RDS: MySQL/Aurora 3306; Redshift: 5439), or a Redshift workgroup that is not publicly accessible.', { cause: err });
  }
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === '28P01' || code === '28000' || /password authentication failed|Access denied for user/i.test(msg)) {
    return new OrderHeError(`The ${part} at ${where} refused the login for user "${hints.user ?? '?'}": check the user name and password.`,
      part === 'MySQL source' ? 'Set MYSQL_USER / MYSQL_PASSWORD to an account that exists (mariadb -uroot -e "SELECT user,host FROM mysql.user").' : 'Set PGUSER / PGPASSWORD to a role that exists (psql -c "\\du").', { cause: err });
  }
  if (code === 'ER_DBACCESS_DENIED_ERROR' || code === '42501') {
    return new OrderHeError(`The ${part} at ${where} let user "${hints.user ?? '?'}" log in but not use the database.`,
      part === 'MySQL source' ? `GRANT ALL ON the database TO that user (as root), or use another account.` : 'GRANT CREATE, USAGE on the database to that role, or use another role.', { cause: err });
  }
  return undefined;
}
