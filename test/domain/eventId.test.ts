import { describe, expect, it } from "vitest"
import { eventIdTime, newEventId } from "../../domain/eventId.js"

describe("event ids (UUIDv7, RFC 9562)", () => {
  it("has the v7 layout: version 7, variant 10, the millisecond clock in the first 48 bits", () => {
    const at = Date.UTC(2026, 10, 30, 17, 40, 0, 123)
    const id = newEventId(at)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(eventIdTime(id)).toBe(at)
    expect(id.slice(0, 13)).toBe("01a22d8a-c9fb") // 0x01a22d8ac9fb ms
  })

  it("sorts by time across milliseconds and stays unique within one", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newEventId(1_700_000_000_000 + Math.floor(i / 100)))
    expect(new Set(ids).size).toBe(ids.length)
    for (let i = 100; i < ids.length; i += 100) expect(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true)
  })

  it("reads no time from a v4 or malformed id", () => {
    expect(eventIdTime("3b241101-e2bb-4255-8caf-4136c566a962")).toBeNull()
    expect(eventIdTime("not-an-id")).toBeNull()
  })
})
