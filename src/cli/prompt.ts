/**
 * Questions on a terminal: a small line editor over raw-mode standard input, so that passwords are
 * read without echo (and without depending on `stty`). Handles Enter, Backspace, Ctrl-U (clear),
 * Ctrl-C (interrupt), Ctrl-D on an empty line (end of input), and ignores arrow keys and other
 * escape sequences.
 */

export interface Prompter {
  /** Shows `question` and reads one line with echo. */
  ask(question: string): Promise<string>;
  /** Shows `question` and reads one line without echo. */
  askSecret(question: string): Promise<string>;
  /** Restores the terminal. Safe to call twice. */
  close(): void;
}

/** Ctrl-C at a prompt. */
export class InterruptedError extends Error {
  constructor() {
    super("interrupted");
    this.name = "InterruptedError";
  }
}

/** Standard input ended (Ctrl-D) before an answer was given. */
export class InputEndedError extends Error {
  constructor() {
    super("input ended before every question was answered");
    this.name = "InputEndedError";
  }
}

/** The parts of a tty.ReadStream we use. */
export interface TtyInput {
  setRawMode(mode: boolean): unknown;
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  removeAllListeners(event: "data" | "end"): unknown;
  resume(): unknown;
  pause(): unknown;
}

type Waiter = { resolve: (c: string | null) => void };

export function terminalPrompter(input: TtyInput, write: (text: string) => void): Prompter {
  const decoder = new TextDecoder();
  const pending: string[] = []; // characters received and not yet consumed
  let ended = false;
  let waiter: Waiter | null = null;
  let raw = false;

  const onData = (chunk: Buffer | string) => {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    for (const ch of text) pending.push(ch);
    flush();
  };
  const onEnd = () => {
    ended = true;
    flush();
  };
  function flush() {
    if (!waiter) return;
    if (pending.length) {
      const w = waiter;
      waiter = null;
      w.resolve(pending.shift()!);
    } else if (ended) {
      const w = waiter;
      waiter = null;
      w.resolve(null);
    }
  }
  function nextChar(): Promise<string | null> {
    if (pending.length) return Promise.resolve(pending.shift()!);
    if (ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      waiter = { resolve };
    });
  }
  function start() {
    if (raw) return;
    raw = true;
    input.setRawMode(true);
    input.on("data", onData);
    input.on("end", onEnd);
    input.resume();
  }

  async function readLine(question: string, echo: boolean): Promise<string> {
    start();
    write(question);
    let line = "";
    for (;;) {
      const ch = await nextChar();
      if (ch === null || (ch === "\x04" && line === "")) {
        write("\n");
        throw new InputEndedError();
      }
      if (ch === "\r" || ch === "\n") {
        // A pasted "\r\n" must not answer the next question with an empty line.
        if (ch === "\r" && pending[0] === "\n") pending.shift();
        write("\n");
        return line;
      }
      if (ch === "\x03") {
        write("^C\n");
        throw new InterruptedError();
      }
      if (ch === "\x7f" || ch === "\b") {
        if (line.length) {
          const chars = [...line];
          chars.pop();
          line = chars.join("");
          if (echo) write("\b \b");
        }
        continue;
      }
      if (ch === "\x15") {
        // Ctrl-U: erase the whole line.
        if (echo) write("\b \b".repeat([...line].length));
        line = "";
        continue;
      }
      if (ch === "\x1b") {
        await skipEscapeSequence();
        continue;
      }
      if (ch < " ") continue; // other control characters (Tab, Ctrl-D mid-line, ...)
      line += ch;
      if (echo) write(ch);
    }
  }

  /** CSI (ESC [ params final) and SS3 (ESC O x) sequences, as sent by arrow and function keys. */
  async function skipEscapeSequence() {
    const kind = await nextChar();
    if (kind === "[") {
      for (;;) {
        const c = await nextChar();
        if (c === null || (c >= "@" && c <= "~")) return;
      }
    }
    if (kind === "O") await nextChar();
  }

  return {
    ask: (q) => readLine(q, true),
    askSecret: (q) => readLine(q, false),
    close() {
      if (!raw) return;
      raw = false;
      input.setRawMode(false);
      input.removeAllListeners("data");
      input.removeAllListeners("end");
      input.pause();
    },
  };
}
