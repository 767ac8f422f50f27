import type { Command } from 'commander';
import type { AdminApi } from '../protocol/admin/admin-api.js';
import { connect, type GlobalOptions } from './connect.js';

/**
 * Runs one command's work against the AdminApi chosen for this invocation (server or in-process, see `connect`),
 * and closes what was opened whether the work succeeded or threw. Errors propagate to `main`, which prints them
 * and picks the exit code.
 */
export async function withAdmin(command: Command, work: (admin: AdminApi) => Promise<void>): Promise<void> {
  const connection = await connect(command.optsWithGlobals<GlobalOptions>());
  try {
    await work(connection.admin);
  } finally {
    await connection.close();
  }
}
