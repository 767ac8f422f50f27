import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { fail } from '../../core/errors.js';
import { itemProblem, MAX_FEEDBACK_ITEMS } from '../../core/monitoring/feedback.js';
import type { FeedbackItemDto } from '../../protocol/admin/monitoring-dto.js';
import { readUserFile } from '../arguments.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

/** `mooring feedback send ...`: ground-truth labels for logged predictions. */
export function feedbackCommand(): Command {
  const feedback = new Command('feedback').description('send ground-truth labels for logged predictions (joined by request id)');
  feedback
    .command('send')
    .description('send one label (ID LABEL) or a file of them (--file labels.jsonl)')
    .addHelpText(
      'after',
      '\nID is the request id of a prediction (the x-request-id header of its answer). LABEL is read as JSON when it\n' +
        'parses (true, 1, 0.5, "cat", [1, 0] for a multi-row request), else taken as text (cat).\n' +
        '--file holds one {"id": ..., "label": ...} per line (blank lines skipped; - reads stdin). The whole file is\n' +
        `checked before anything is sent, and sent in requests of up to ${MAX_FEEDBACK_ITEMS} labels.`,
    )
    .argument('[id]', 'the request id of the prediction')
    .argument('[label]', 'the label (JSON, or text)')
    .option('--file <file>', 'JSON lines of {"id", "label"}')
    .option('--json', 'print {"accepted": N} as JSON')
    .action(async (id: string | undefined, label: string | undefined, opts: { file?: string; json?: boolean }, cmd: Command) => {
      let items: FeedbackItemDto[];
      if (opts.file !== undefined) {
        if (id !== undefined) throw fail('INVALID_REQUEST', 'give either ID LABEL or --file, not both');
        items = readLabelFile(opts.file);
      } else {
        if (id === undefined || label === undefined) throw fail('INVALID_REQUEST', 'give ID LABEL, or --file labels.jsonl');
        items = [{ id, label: labelValue(label) }];
        const problem = itemProblem(items[0]);
        if (problem !== null) throw fail('INVALID_REQUEST', `feedback: ${problem}`);
      }
      await withAdmin(cmd, async (admin) => {
        let accepted = 0;
        for (let start = 0; start < items.length; start += MAX_FEEDBACK_ITEMS) {
          accepted += (await admin.sendFeedback(items.slice(start, start + MAX_FEEDBACK_ITEMS))).accepted;
        }
        if (opts.json) outJson({ accepted });
        else out(`accepted ${accepted} label${accepted === 1 ? '' : 's'}\n`);
      });
    });
  return feedback;
}

/** LABEL as JSON when it parses, else as text. */
function labelValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Reads and checks a JSON lines file of labels; INVALID_JSON / INVALID_REQUEST name the line. */
function readLabelFile(path: string): FeedbackItemDto[] {
  const text = path === '-' ? readFileSync(0, 'utf8') : readUserFile(path, '--file').toString('utf8');
  const items: FeedbackItemDto[] = [];
  const lineOf = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = `${path === '-' ? 'stdin' : path} line ${i + 1}`;
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch (e) {
      throw fail('INVALID_JSON', `${where} is not valid JSON: ${(e as Error).message}`, { line: i + 1 });
    }
    const problem = itemProblem(item);
    if (problem !== null) throw fail('INVALID_REQUEST', `${where}: ${problem}`, { line: i + 1 });
    const checked = item as FeedbackItemDto;
    const earlier = lineOf.get(checked.id);
    if (earlier !== undefined) {
      throw fail('INVALID_REQUEST', `${where}: id ${JSON.stringify(checked.id)} is also on line ${earlier}; send one label per prediction`, { line: i + 1 });
    }
    lineOf.set(checked.id, i + 1);
    items.push(checked);
  }
  if (items.length === 0) throw fail('INVALID_REQUEST', `--file ${path} holds no labels`);
  return items;
}
