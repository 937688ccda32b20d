/** Words that agree with their numbers, shared by the UI's lines and what the live region says. */

/** "1 image", "2 images"; `plural` for words that do not just take an s ("matches"). */
export function countOf(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}
