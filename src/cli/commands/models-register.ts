import { Command } from 'commander';
import { collectPairs, pairsToNumbers, pairsToRecord, readUserFile } from '../arguments.js';
import { formatVersion } from '../format.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';
import { featuresAndProfile } from '../reference.js';
import type { ReferenceCliOptions } from '../reference.js';

interface RegisterOptions extends ReferenceCliOptions {
  artifact: string;
  metric?: Array<[string, string]>;
  param?: Array<[string, string]>;
  tag?: Array<[string, string]>;
  datasetVersion?: string;
  trainedAt?: string;
  description?: string;
  source?: string;
  alias?: string;
  json?: boolean;
}

/** `mooring models register NAME --artifact FILE ...`: registers a new version from an ONNX file. */
export function registerCommand(): Command {
  return new Command('register')
    .description('register a new version of a model from an ONNX file')
    .argument('<name>', 'model name (created on its first version)')
    .requiredOption('--artifact <file>', 'the ONNX model file')
    .option('--metric <key=number>', 'a training metric, repeatable (--metric auc=0.91 --metric f1=0.8)', collectPairs(true))
    .option('--param <key=value>', 'a training parameter, repeatable', collectPairs(false))
    .option('--tag <key=value>', 'a tag, repeatable', collectPairs(false))
    .option('--dataset-version <v>', 'the dataset version it was trained on')
    .option('--trained-at <time>', 'when it was trained (ISO-8601 or epoch ms)')
    .option('--description <text>', 'a description of this version')
    .option('--source <s>', 'the run, commit or notebook that produced it')
    .option('--alias <alias>', 'point this alias at the new version (production deploys it)')
    .option('--reference-data <file>', 'training or validation data (CSV, Parquet, JSON lines): profiled and stored with the version')
    .option('--target <column>', 'the label column of the reference data (profiled, never a feature)')
    .option('--features <list>', 'the features in input order: a,b,c (name:onehot or name:index for a categorical one)')
    .option('--categorical <list>', 'number columns of the reference data to treat as categories')
    .option('--feature-spec <file>', 'the features stated in full (JSON or YAML: name, type, encoding, categories)')
    .option('--json', 'print the new version as JSON')
    .action(async (name: string, opts: RegisterOptions, cmd: Command) => {
      const artifact = new Uint8Array(readUserFile(opts.artifact, '--artifact'));
      await withAdmin(cmd, async (admin) => {
        const { features, profile } = await featuresAndProfile(artifact, opts);
        const version = await admin.register({
          name,
          artifact,
          metrics: pairsToNumbers(opts.metric),
          params: pairsToRecord(opts.param),
          tags: pairsToRecord(opts.tag),
          datasetVersion: opts.datasetVersion ?? null,
          trainedAt: opts.trainedAt ?? null,
          description: opts.description ?? null,
          source: opts.source ?? null,
          alias: opts.alias ?? null,
          ...(features ? { features } : {}),
          ...(profile ? { profile } : {}),
        });
        if (opts.json) outJson(version);
        else out(`registered ${version.name} version ${version.version}\n\n${formatVersion(version)}`);
      });
    });
}
