/**
 * Text from a scenario (its name, cycle names, titles) shown on a terminal:
 * control characters are escaped, so an ANSI sequence in a name (`\x1b]0;…`,
 * `\x1b[2J`) is printed as text instead of driving the terminal. Newlines and
 * tabs of the report itself stay.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The same for one line: newlines and tabs are escaped too. */
export function terminalSafeLine(text: string): string {
  return terminalSafe(text).replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t'));
}
