/**
 * Scheduled scans without nmap: the argv a schedule runs (the seed's profiles, operator
 * args replacing a profile's option, -n/-oX/--stats-every always, the SYN fallback), the
 * arguments refused before nmap starts, nmap's progress lines, and the scheduler under
 * TestClock — each schedule fires at its local time of day and never overlaps itself.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, TestClock } from "effect"
import { buildNmapArgs, NmapArgsError, parseOperatorArgs, parseProgressLine, profiles, targetKind } from "../../adapters/nmap/runner.js"
import { nextRunAt, runSchedules } from "../../src/exposure/schedule.js"

const build = (args: ReadonlyArray<string>, targets: ReadonlyArray<string> = ["192.0.2.0/24"], isRoot = true) =>
  buildNmapArgs({ targets, profile: "fast", args, output: "/data/scans/x.xml", isRoot })

const argvOf = (r: ReturnType<typeof build>) => (r instanceof NmapArgsError ? [] : r.argv)

const refusal = (args: ReadonlyArray<string>, targets?: ReadonlyArray<string>) => {
  const r = build(args, targets)
  return r instanceof NmapArgsError ? r.message : null
}

describe("nmap arguments of a scheduled scan", () => {
  it("runs the seed's daily options for fast and the weekly ones for full, always with -n, progress and -oX", () => {
    const fast = build([])
    expect(fast).not.toBeInstanceOf(NmapArgsError)
    expect(fast instanceof NmapArgsError ? [] : fast.argv).toEqual([
      "--min-hostgroup", "256", "--min-rate", "1000", "--max-rate", "1000", "-r", "--min-parallelism", "200", "-sS", "-p", "1-10000", "-Pn", "--max-retries", "0",
      "-n", "--stats-every", "5s", "-oX", "/data/scans/x.xml", "192.0.2.0/24"
    ])
    const full = buildNmapArgs({ targets: ["198.51.100.0/24"], profile: "full", args: [], output: "o.xml", isRoot: true })
    expect(full instanceof NmapArgsError ? [] : full.argv).toEqual(["-sS", "-p", "1-65535", "-Pn", "--max-retries", "2", "-n", "--stats-every", "5s", "-oX", "o.xml", "198.51.100.0/24"])
    expect(profiles.full.flat()).not.toContain("-n") // added once, by the builder
  })

  it("lets an operator option replace the profile's (ports, scan type, retries) and keeps the rest", () => {
    const r = build(["-p", "22,80", "-sT", "--max-retries=1", "-T4"])
    const argv = r instanceof NmapArgsError ? [] : r.argv
    expect(argv.filter((a) => a === "-p")).toHaveLength(1)
    expect(argv).toContain("22,80")
    expect(argv).not.toContain("1-10000")
    expect(argv).not.toContain("-sS")
    expect(argv).toContain("-sT")
    expect(argv).toContain("--max-retries=1")
    expect(argv).not.toContain("--max-retries")
    expect(argv).toContain("-T4")
    expect(argv).toContain("--min-hostgroup")
    expect(argvOf(build(["--top-ports", "100"]))).not.toContain("-p")
    expect(argvOf(build(["--top-ports", "100"]))).toContain("--top-ports")
  })

  it("falls back to a connect scan without root, and says so", () => {
    const r = build([], undefined, false)
    expect(r).not.toBeInstanceOf(NmapArgsError)
    if (r instanceof NmapArgsError) return
    expect(r.argv).toContain("-sT")
    expect(r.argv).not.toContain("-sS")
    expect(r.warnings).toEqual(["SYN scan (-sS) needs root: running a connect scan (-sT) instead"])
    const asRoot = build([])
    expect(asRoot instanceof NmapArgsError ? null : asRoot.warnings).toEqual([])
  })

  it("adds -6 for IPv6 targets and refuses mixing families in one run", () => {
    const v6 = build([], ["2001:db8::/64"])
    expect(v6 instanceof NmapArgsError ? [] : v6.argv).toContain("-6")
    expect(refusal([], ["2001:db8::1", "192.0.2.1"])).toContain("nmap scans IPv4 and IPv6 in separate runs")
  })

  it.each([
    [["-oN", "out.txt"], `nmap argument "-oN" is refused: honeyhole writes the only output`],
    [["-oG", "g.txt"], `"-oG" is refused`],
    [["-oA", "base"], `"-oA" is refused`],
    [["-oX", "-"], `"-oX" is refused`],
    [["-iR", "1000"], `"-iR" is refused: targets come from the schedule's targets only`],
    [["-iL", "hosts.txt"], `"-iL" is refused`],
    [["--append-output"], `"--append-output" is refused`],
    [["--resume", "old.xml"], `"--resume" is refused`],
    [["--stats-every", "1s"], `"--stats-every" is refused`],
    [["-R"], `"-R" is refused: honeyhole always runs nmap with -n`],
    [["-p", "22", "203.0.113.9"], `nmap argument "203.0.113.9" is refused: a bare word is a target to nmap`],
    [["--script", "broadcast-dhcp-discover"], "NSE newtargets/broadcast scripts add targets"],
    [["--script-args=newtargets"], "NSE newtargets/broadcast scripts add targets"],
    [["--"], "a bare -- would make every following word a target"],
    [["-p"], `"-p" is refused: it needs a value`]
  ])("refuses %j before nmap runs", (args, message) => {
    expect(refusal(args)).toContain(message)
  })

  it.each([
    ["192.0.2.1", "ipv4"], ["192.0.2.0/24", "ipv4"], ["192.0.2.1-20", "ipv4"], ["10.0-3.*.1,5", "ipv4"],
    ["2001:db8::1", "ipv6"], ["2001:db8::/48", "ipv6"], ["www.example.net", "name"]
  ])("accepts the target %s (%s)", (target, kind) => {
    expect(targetKind(target)).toBe(kind)
  })

  it.each([
    ["127.0.0.300", "an octet is above 255"], ["192.0.2.0/33", "prefix length must be 0–32"], ["-iR", "looks like an option"],
    ["2001:db8::zz", "not an IPv6 address"], ["300.1.2.3.4", "not an address, CIDR, nmap range"], ["a b", "not an address"]
  ])("refuses the target %s", (target, message) => {
    const kind = targetKind(target)
    expect(typeof kind === "string" ? kind : kind.error).toContain(message)
  })

  it("keeps option values that look like words inside their option", () => {
    expect(parseOperatorArgs(["--exclude", "192.0.2.7", "-e", "lo", "--script=banner"])).toEqual([["--exclude", "192.0.2.7"], ["-e", "lo"], ["--script=banner"]])
  })
})

describe("nmap progress lines", () => {
  it("reads --stats-every output: task, percent, time left, hosts done", () => {
    const hosts = { completed: null as number | null, up: null as number | null }
    expect(parseProgressLine("Stats: 0:01:05 elapsed; 250 hosts completed (12 up), 256 undergoing SYN Stealth Scan", hosts)).toBeNull()
    expect(parseProgressLine("SYN Stealth Scan Timing: About 42.50% done; ETC: 02:31 (0:12:05 remaining)", hosts)).toEqual({
      task: "SYN Stealth Scan", percent: 42.5, remainingSeconds: 725, hostsCompleted: 250, hostsUp: 12
    })
    expect(parseProgressLine("Connect Scan Timing: About 3.00% done", hosts)).toMatchObject({ task: "Connect Scan", percent: 3, remainingSeconds: null })
    expect(parseProgressLine("PORT     STATE SERVICE", hosts)).toBeNull()
  })
})

describe("scan scheduler (TestClock)", () => {
  /** local midnight of a fixed day, so the test holds in any TZ */
  const day0 = new Date(2026, 10, 30, 0, 0, 0, 0).getTime()
  const hour = 3_600_000

  it("computes the next local time of day, today or tomorrow", () => {
    expect(nextRunAt(day0, "02:00")).toBe(new Date(2026, 10, 30, 2, 0).getTime())
    expect(nextRunAt(new Date(2026, 10, 30, 2, 0).getTime(), "02:00")).toBe(new Date(2026, 11, 1, 2, 0).getTime())
    expect(nextRunAt(new Date(2026, 10, 30, 23, 59).getTime(), "00:00")).toBe(new Date(2026, 11, 1, 0, 0).getTime())
  })

  it.effect("fires each schedule at its time and never overlaps a run with itself", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(day0)
      const starts: Array<{ name: string; at: number }> = []
      const running = new Map<string, number>()
      let overlaps = 0
      const run = (s: { name: string }) =>
        Effect.gen(function* () {
          starts.push({ name: s.name, at: yield* Clock.currentTimeMillis })
          if ((running.get(s.name) ?? 0) > 0) overlaps++
          running.set(s.name, (running.get(s.name) ?? 0) + 1)
          // the nightly run takes 30 h: it is still going at the next 02:00
          yield* Effect.sleep(s.name === "nightly" ? 30 * hour : 1000)
          running.set(s.name, running.get(s.name)! - 1)
        })
      const fiber = yield* Effect.fork(runSchedules([{ name: "nightly", at: "02:00" }, { name: "weekly", at: "03:30" }], run))
      yield* TestClock.adjust(2 * hour - 1)
      expect(starts).toEqual([])
      yield* TestClock.adjust(1)
      expect(starts).toEqual([{ name: "nightly", at: day0 + 2 * hour }])
      yield* TestClock.adjust(1.5 * hour)
      expect(starts.map((s) => s.name)).toEqual(["nightly", "weekly"])
      // day 1, 02:00: nightly is still running (until 08:00): skipped, not doubled
      yield* TestClock.setTime(new Date(2026, 11, 1, 2, 0, 0, 1).getTime())
      expect(starts.filter((s) => s.name === "nightly")).toHaveLength(1)
      yield* TestClock.setTime(new Date(2026, 11, 2, 2, 0).getTime())
      expect(starts.filter((s) => s.name === "nightly").map((s) => s.at)).toEqual([day0 + 2 * hour, new Date(2026, 11, 2, 2, 0).getTime()])
      expect(starts.filter((s) => s.name === "weekly").map((s) => s.at)).toEqual([day0 + 3.5 * hour, new Date(2026, 11, 1, 3, 30).getTime()])
      expect(overlaps).toBe(0)
      yield* Fiber.interrupt(fiber)
    })
  )

  it.effect("a failing run is logged and the schedule keeps firing", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(day0)
      let calls = 0
      const fiber = yield* Effect.fork(runSchedules([{ name: "broken", at: "01:00" }], () => Effect.suspend(() => (calls++, Effect.fail(new Error("nmap missing"))))))
      yield* TestClock.adjust(hour)
      yield* TestClock.adjust(24 * hour)
      expect(calls).toBe(2)
      yield* Fiber.interrupt(fiber)
    })
  )
})
