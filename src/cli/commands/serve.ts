import { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { integerOption } from '../arguments.js';
import { resolveHome, type GlobalOptions } from '../connect.js';

/**
 * `mooring serve`: runs the server on the home until SIGTERM or SIGINT, then exits 0 after a graceful shutdown.
 * Flags override the config file and environment (see docs/reference/configuration.md).
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run the inference and admin server on the home until SIGTERM/SIGINT')
    .option('--port <n>', 'port to listen on (0 picks a free one; default from config, 8080)', integerOption(0, 65535))
    .option('--host <host>', 'address to listen on (default from config, 127.0.0.1)')
    .option('--no-demo', 'do not register the demo model on an empty registry')
    .action(async (opts: { port?: number; host?: string; demo: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const server: Record<string, unknown> = {};
      if (opts.port !== undefined) server.port = opts.port;
      if (opts.host !== undefined) server.host = opts.host;
      const overrides: Record<string, unknown> = { server };
      // Only an explicit --no-demo overrides the config: commander defaults `demo` to true.
      if (cmd.getOptionValueSource('demo') === 'cli') overrides.demo = opts.demo;
      const config = loadConfig({ home: resolveHome(globals.home), configFile: globals.config, overrides });
      // Loaded on demand so that every other command starts without the HTTP stack.
      const { startServer } = await import('../../http/server.js');
      // The server announces where it listens and records itself in <home>/server.json for other commands.
      const running = await startServer(config);
      await running.done;
    });
}
