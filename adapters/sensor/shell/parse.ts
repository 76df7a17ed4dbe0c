/**
 * A POSIX-shell-shaped parser for the fake shell: enough quoting, operators and
 * redirections to read what bots type, nothing that evaluates it. `$(…)`, backticks
 * and `$VAR` stay literal text — there is nothing here that could run them.
 */

export type Connector = ";" | "&&" | "||" | "|" | "&"

export interface SimpleCommand {
  /** how this command is joined to the previous one (";" for the first) */
  readonly connector: Connector
  readonly argv: ReadonlyArray<string>
  /** targets of output redirections (`> f`, `>> f`, `2> f`): the command prints nothing */
  readonly redirectedTo: ReadonlyArray<string>
}

/** caps so a hostile line cannot make the parser allocate without bound */
export const maxCommandsPerLine = 64
export const maxArgsPerCommand = 256

const operatorAt = (line: string, i: number): Connector | "\n" | null => {
  const two = line.slice(i, i + 2)
  if (two === "&&" || two === "||") return two
  const c = line[i]
  return c === ";" || c === "|" || c === "&" || c === "\n" ? c : null
}

export const parseLine = (line: string): Array<SimpleCommand> => {
  const commands: Array<SimpleCommand> = []
  let argv: Array<string> = []
  let redirects: Array<string> = []
  let connector: Connector = ";"
  let word: string | null = null
  /** the next word is a redirection target */
  let redirecting = false

  const endWord = () => {
    if (word === null) return
    if (redirecting) redirects.push(word)
    else if (argv.length < maxArgsPerCommand) argv.push(word)
    word = null
    redirecting = false
  }
  const endCommand = (next: Connector) => {
    endWord()
    if ((argv.length > 0 || redirects.length > 0) && commands.length < maxCommandsPerLine) {
      commands.push({ connector, argv, redirectedTo: redirects })
    }
    argv = []
    redirects = []
    connector = next
  }

  let i = 0
  while (i < line.length) {
    const c = line[i]!
    if (c === "'") {
      const end = line.indexOf("'", i + 1)
      const stop = end < 0 ? line.length : end
      word = (word ?? "") + line.slice(i + 1, stop)
      i = stop + 1
      continue
    }
    if (c === '"') {
      let j = i + 1
      let text = ""
      while (j < line.length && line[j] !== '"') {
        // inside double quotes a backslash only escapes $ ` " \ (POSIX 2.2.3)
        if (line[j] === "\\" && j + 1 < line.length && '$`"\\'.includes(line[j + 1]!)) j++
        text += line[j]
        j++
      }
      word = (word ?? "") + text
      i = j + 1
      continue
    }
    if (c === "\\") {
      word = (word ?? "") + (line[i + 1] ?? "")
      i += 2
      continue
    }
    if (c === " " || c === "\t" || c === "\r") {
      endWord()
      i++
      continue
    }
    if (c === "#" && word === null) break // a comment runs to the end of the line
    if (c === ">" || c === "<") {
      // "2>" and "1>>": the digits name a file descriptor, not an argument
      if (word !== null && /^\d+$/.test(word)) word = null
      endWord()
      const input = c === "<"
      i += line[i + 1] === ">" ? 2 : 1
      if (line[i] === "&") {
        // 2>&1: duplicates a descriptor, no file involved
        i++
        while (i < line.length && /[0-9-]/.test(line[i]!)) i++
        continue
      }
      redirecting = !input
      if (input) {
        // the input file is consumed as a word and dropped
        while (line[i] === " ") i++
        while (i < line.length && !" \t;|&<>".includes(line[i]!)) i++
        redirecting = false
      }
      continue
    }
    if (c === "&" && line[i + 1] === ">") {
      endWord()
      i += line[i + 2] === ">" ? 3 : 2
      redirecting = true
      continue
    }
    const op = operatorAt(line, i)
    if (op !== null) {
      endCommand(op === "\n" ? ";" : op)
      i += op.length
      continue
    }
    word = (word ?? "") + c
    i++
  }
  endCommand(";")
  return commands
}

/**
 * `echo -e` escapes as BusyBox's echo applet decodes them: `\NNN` and `\0NNN` octal
 * (bots print `\147\141…` to fingerprint the shell), `\xHH`, the C escapes, and `\c`,
 * which stops all further output.
 */
export const decodeEchoEscapes = (text: string): { readonly text: string; readonly stop: boolean } => {
  let out = ""
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c !== "\\" || i + 1 >= text.length) {
      out += c
      continue
    }
    const n = text[++i]!
    const simple: Record<string, string> = { a: "\x07", b: "\b", e: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" }
    if (n in simple) out += simple[n]
    else if (n === "c") return { text: out, stop: true }
    else if (/[0-7]/.test(n)) {
      // BusyBox skips the leading 0 of \0NNN, then reads up to three octal digits
      let j = n === "0" && /[0-7]/.test(text[i + 1] ?? "") ? i + 1 : i
      let digits = ""
      while (digits.length < 3 && /[0-7]/.test(text[j] ?? "")) digits += text[j++]
      out += String.fromCharCode(parseInt(digits, 8) & 0xff)
      i = j - 1
    } else if (n === "x" && /[0-9a-fA-F]/.test(text[i + 1] ?? "")) {
      let digits = ""
      while (digits.length < 2 && /[0-9a-fA-F]/.test(text[i + 1] ?? "")) digits += text[++i]
      out += String.fromCharCode(parseInt(digits, 16))
    } else out += "\\" + n
  }
  return { text: out, stop: false }
}
