/** Appends Markdown to the job summary file (`$GITHUB_STEP_SUMMARY`), if the runner gave one. */
import { appendFile } from 'node:fs/promises';

export async function appendJobSummary(markdown: string, file: string | undefined = process.env.GITHUB_STEP_SUMMARY): Promise<boolean> {
  if (!file) return false;
  await appendFile(file, `${markdown.trimEnd()}\n\n`);
  return true;
}
