import { Command, Option } from 'commander';
import { fail } from '../../core/errors.js';
import { parseVersion } from '../../core/registry/names.js';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import type { ModelVersionDto } from '../../protocol/admin/dto.js';
import { formatAliasEvent, formatModelDetail, formatModelList, formatVersion, shownVersion } from '../format.js';
import { formatFeatures, formatProfile, formatProfileSummary } from '../format-profile.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';
import { registerCommand } from './models-register.js';

/** `mooring models ...`: register, list, show, profile, alias. */
export function modelsCommand(): Command {
  const models = new Command('models').description('register, list and inspect models and their versions');
  models.addCommand(registerCommand());

  models
    .command('list')
    .description('list registered models')
    .option('--json', 'print {"models": [...]} as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const list = await admin.listModels();
        if (opts.json) outJson({ models: list });
        else out(formatModelList(list));
      }),
    );

  models
    .command('show')
    .description('show a model with all its versions (NAME), or one version (NAME@ALIAS, NAME@latest, NAME@v3, NAME/3)')
    .argument('<ref>', 'NAME, NAME@ALIAS or NAME/VERSION')
    .option('--json', 'print the model or version as JSON')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        if (ref.includes('@') || ref.includes('/')) {
          const version = await admin.getVersion(ref);
          if (opts.json) outJson(version);
          else out(formatVersion(version) + (await featuresAndProfileText(admin, version)));
        } else {
          const model = await admin.getModel(ref);
          if (opts.json) outJson(model);
          else {
            const shown = shownVersion(model);
            out(formatModelDetail(model) + (shown ? await featuresAndProfileText(admin, shown) : ''));
          }
        }
      }),
    );

  models
    .command('profile')
    .description('print the training profile of a version (NAME: production; NAME@ALIAS, NAME@latest, NAME/3)')
    .argument('<ref>', 'NAME, NAME@ALIAS or NAME/VERSION')
    .option('--json', 'print {"name", "version", "profile"} as JSON (the profile with its samples; null when none)')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const answer = await admin.getProfile(ref);
        if (opts.json) outJson(answer);
        else if (answer.profile === null) out(`${answer.name} version ${answer.version} has no training profile\n`);
        else out(formatProfile(answer.name, answer.version, answer.profile));
      }),
    );

  models
    .command('alias')
    .description('point an alias at a version (production goes through deploy), or delete it with --delete')
    .argument('<name>', 'model name')
    .argument('<alias>', 'alias name (^[\\w-]+$; latest and v<N> are reserved)')
    .argument('[version]', 'version number (not with --delete)')
    .addOption(new Option('--delete', 'delete the alias'))
    .option('--reason <text>', 'why, recorded in the alias history and audit log')
    .option('--json', 'print the alias event as JSON')
    .action(async (name: string, alias: string, version: string | undefined, opts: { delete?: boolean; reason?: string; json?: boolean }, cmd: Command) => {
      if (opts.delete && version !== undefined) throw fail('INVALID_REQUEST', 'models alias --delete takes no version');
      if (!opts.delete && version === undefined) throw fail('INVALID_REQUEST', 'models alias needs a version (or --delete)');
      const target = version === undefined ? undefined : parseVersion(version);
      await withAdmin(cmd, async (admin) => {
        const event =
          target === undefined ? await admin.deleteAlias(name, alias, opts.reason) : await admin.setAlias(name, alias, target, opts.reason);
        if (opts.json) outJson(event);
        else out(formatAliasEvent(event));
      });
    });

  return models;
}

/** The features and profile summary `models show` adds for a version ('' when it has neither). */
async function featuresAndProfileText(admin: AdminApi, v: ModelVersionDto): Promise<string> {
  let text = '';
  if (v.features !== null) text += `\n${formatFeatures(v.features)}`;
  if (v.has_profile) {
    const { profile } = await admin.getProfile(`${v.name}/${v.version}`);
    if (profile !== null) text += `\n${formatProfileSummary(profile)}`;
  }
  return text;
}
