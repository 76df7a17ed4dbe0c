/** Progress output of long commands: readable in a terminal and in logs alike. */
import { Effect } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { countReporter } from "../../src/cli/render.js"

const fakeStream = (isTTY: boolean) => {
  const written: Array<string> = []
  return { stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream, written }
}

describe("countReporter (progress without a known total)", () => {
  afterEach(() => vi.useRealTimers())

  it("off a TTY: nothing for a quick job but its last count, then a line every 5 s", () => {
    vi.useFakeTimers({ now: 1_000_000 })
    const { stream, written } = fakeStream(false)
    const progress = countReporter("scan.xml", "hosts read", stream)
    Effect.runSync(progress.update(256))
    vi.setSystemTime(1_004_999)
    Effect.runSync(progress.update(512))
    expect(written).toEqual([])
    vi.setSystemTime(1_005_000)
    Effect.runSync(progress.update(768))
    vi.setSystemTime(1_006_000)
    Effect.runSync(progress.update(1024))
    Effect.runSync(progress.end(1100))
    expect(written).toEqual(["scan.xml: 768 hosts read (154/s)\n", "scan.xml: 1100 hosts read (183/s)\n"])
  })

  it("on a TTY: one line redrawn at most every 100 ms, ended with a newline", () => {
    vi.useFakeTimers({ now: 0 })
    const { stream, written } = fakeStream(true)
    const progress = countReporter("scan.xml", "hosts read", stream)
    for (let t = 0; t <= 300; t += 20) {
      vi.setSystemTime(t)
      Effect.runSync(progress.update(t))
    }
    Effect.runSync(progress.end(300))
    expect(written.map((w) => w.replace(/\(\d+\/s\)/, "(…)"))).toEqual([
      "\rscan.xml: 100 hosts read (…)\x1b[K",
      "\rscan.xml: 200 hosts read (…)\x1b[K",
      "\rscan.xml: 300 hosts read (…)\x1b[K",
      "\rscan.xml: 300 hosts read (…)\x1b[K\n"
    ])
  })
})
