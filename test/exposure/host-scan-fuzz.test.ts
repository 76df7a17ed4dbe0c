/** The fast host scan never disagrees with the full validator + parser (differential fuzzing; `npm run fuzz` runs far more). */
import { describe, expect, it } from "vitest"
import { fuzzHostScan, sampleHostElements } from "../fuzz/hostScan.js"

describe("fast host scan vs fast-xml-parser on mutated nmap <host> elements", () => {
  const elements = sampleHostElements()

  it("the mutations reach both outcomes: elements the fast scan takes and elements the full parser rejects", () => {
    const stats = fuzzHostScan(elements, { seed: 1, cases: 4000 })
    console.log(`[host scan fuzz] ${elements.length} elements, ${stats.cases} cases: ${stats.answered} answered by the fast scan, ${stats.rejected} rejected by the full parser`)
    expect(elements.length).toBeGreaterThan(100)
    // otherwise the agreement below would prove little
    expect(stats.answered).toBeGreaterThan(100)
    expect(stats.rejected).toBeGreaterThan(1000)
  })

  it.each([2, 3, 4])("seed %i: 4,000 mutated elements, no disagreement", (seed) => {
    expect(fuzzHostScan(elements, { seed, cases: 4000 }).cases).toBe(4000)
  })

})
