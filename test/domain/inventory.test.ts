/** Inventory decider specs: given(events).when(command).then(events | rejection). */
import { describe, expect, it } from "vitest"
import { planAdoption } from "../../domain/inventory/adopt.js"
import { decide, decideAll } from "../../domain/inventory/decider.js"
import type { InventoryCommand } from "../../domain/inventory/decider.js"
import { evolve, foldInventory, initialState, rangesOfType } from "../../domain/inventory/state.js"
import type { InventoryEvent } from "../../domain/inventory/state.js"
import {
  HostDisabled,
  HostRegistered,
  HostTypeDefined,
  PortRangeAssigned,
  PortRangeDeclared,
  PortRangeUnassigned
} from "../../domain/events/index.js"

const given = (history: ReadonlyArray<InventoryEvent>) => {
  const state = history.reduce(evolve, initialState)
  return {
    when: (command: InventoryCommand) => {
      const decision = decide(command, state)
      return {
        then: (events: ReadonlyArray<InventoryEvent>) => {
          expect(decision._tag).toBe("Accepted")
          expect(decision._tag === "Accepted" ? decision.events : []).toEqual(events)
        },
        rejects: (reason: string, message: RegExp) => {
          expect(decision._tag).toBe("Rejected")
          if (decision._tag === "Rejected") {
            expect(decision.error.reason).toBe(reason)
            expect(decision.error.message).toMatch(message)
          }
        }
      }
    }
  }
}

const web = new HostTypeDefined({ name: "servidores web", description: "HTTP/HTTPS" })
const http = new PortRangeDeclared({ rangeId: "1", min: 80, max: 80, transport: "tcp", description: "HTTP", plugin: null })
const sip = new PortRangeDeclared({ rangeId: "2", min: 5060, max: 5080, transport: "udp", description: "SIP", plugin: "sip" })
const host = new HostRegistered({ ip: "193.22.119.2", hostType: "servidores web", name: null })

describe("inventory decider", () => {
  it("defines a host type once", () => {
    given([]).when({ _tag: "DefineHostType", name: "  servidores web ", description: "HTTP/HTTPS" }).then([web])
    given([web]).when({ _tag: "DefineHostType", name: "servidores web", description: "" }).rejects("Duplicate", /already exists/)
    given([]).when({ _tag: "DefineHostType", name: "  ", description: "" }).rejects("Invalid", /needs a name/)
  })

  it("registers a host of a known type, canonicalising its address", () => {
    given([web]).when({ _tag: "RegisterHost", ip: "193.22.119.2", hostType: "servidores web", name: null }).then([host])
    given([web])
      .when({ _tag: "RegisterHost", ip: "2001:DB8:0:0::1", hostType: "servidores web", name: "v6" })
      .then([new HostRegistered({ ip: "2001:db8::1", hostType: "servidores web", name: "v6" })])
  })

  it("rejects an invalid IP, an unknown type and a duplicate host", () => {
    given([web]).when({ _tag: "RegisterHost", ip: "193.22.119.300", hostType: "servidores web", name: null }).rejects("Invalid", /not an IP address/)
    given([web]).when({ _tag: "RegisterHost", ip: "193.22.119.2", hostType: "voip", name: null }).rejects("Unknown", /unknown host type "voip" \(known: servidores web\)/)
    given([web, host]).when({ _tag: "RegisterHost", ip: "193.22.119.2", hostType: "servidores web", name: null }).rejects("Duplicate", /already registered/)
  })

  it("disables a host, and a disabled host may be registered again", () => {
    const disabled = new HostDisabled({ ip: "193.22.119.2", reason: "decommissioned" })
    given([web, host]).when({ _tag: "DisableHost", ip: "193.22.119.2", reason: "decommissioned" }).then([disabled])
    given([web, host, disabled]).when({ _tag: "DisableHost", ip: "193.22.119.2", reason: "again" }).rejects("Duplicate", /already disabled/)
    given([web]).when({ _tag: "DisableHost", ip: "193.22.119.9", reason: "x" }).rejects("Unknown", /not in the inventory/)
    given([web, host, disabled]).when({ _tag: "RegisterHost", ip: "193.22.119.2", hostType: "servidores web", name: null }).then([host])
  })

  it("declares port ranges with sequential ids and validates them", () => {
    given([]).when({ _tag: "DeclarePortRange", min: 80, max: 80, transport: "tcp", description: "HTTP", plugin: null }).then([http])
    given([http]).when({ _tag: "DeclarePortRange", min: 5060, max: 5080, transport: "udp", description: "SIP", plugin: "sip" }).then([sip])
    given([]).when({ _tag: "DeclarePortRange", min: 0, max: 80, transport: "tcp", description: "", plugin: null }).rejects("Invalid", /1 to 65535/)
    given([]).when({ _tag: "DeclarePortRange", min: 80, max: 65536, transport: "tcp", description: "", plugin: null }).rejects("Invalid", /1 to 65535/)
    given([]).when({ _tag: "DeclarePortRange", min: 90, max: 80, transport: "tcp", description: "", plugin: null }).rejects("Invalid", /start 90 is above its end 80/)
    given([]).when({ _tag: "DeclarePortRange", min: 80, max: 80, transport: "sctp", description: "", plugin: null }).rejects("Invalid", /tcp or udp/)
    given([http]).when({ _tag: "DeclarePortRange", min: 80, max: 80, transport: "tcp", description: "again", plugin: null }).rejects("Duplicate", /80\/tcp is already declared \(id 1\)/)
  })

  it("assigns and unassigns ranges to a type, by id or by spec", () => {
    const assigned = new PortRangeAssigned({ rangeId: "2", hostType: "servidores web" })
    given([web, http, sip]).when({ _tag: "AssignPortRange", range: "5060-5080/udp", hostType: "servidores web" }).then([assigned])
    given([web, http, sip]).when({ _tag: "AssignPortRange", range: "2", hostType: "servidores web" }).then([assigned])
    given([web, http, sip, assigned]).when({ _tag: "AssignPortRange", range: "2", hostType: "servidores web" }).rejects("Duplicate", /already assigned/)
    given([web, http]).when({ _tag: "AssignPortRange", range: "443/tcp", hostType: "servidores web" }).rejects("Unknown", /unknown port range/)
    given([web, http]).when({ _tag: "AssignPortRange", range: "80/tcp", hostType: "dns" }).rejects("Unknown", /unknown host type/)
    given([web, http, sip, assigned])
      .when({ _tag: "UnassignPortRange", range: "5060-5080/udp", hostType: "servidores web" })
      .then([new PortRangeUnassigned({ rangeId: "2", hostType: "servidores web" })])
    given([web, http]).when({ _tag: "UnassignPortRange", range: "80/tcp", hostType: "servidores web" }).rejects("Unknown", /not assigned/)
  })

  it("decides several commands as one change, or none of them", () => {
    const ok = decideAll(
      [
        { _tag: "DefineHostType", name: "dns", description: "" },
        { _tag: "DeclarePortRange", min: 53, max: 53, transport: "udp", description: "DNS", plugin: "dns" },
        { _tag: "AssignPortRange", range: "53/udp", hostType: "dns" }
      ],
      initialState
    )
    expect(ok._tag === "Accepted" && ok.events.map((e) => e._tag)).toEqual(["HostTypeDefined", "PortRangeDeclared", "PortRangeAssigned"])
    const bad = decideAll([{ _tag: "DefineHostType", name: "dns", description: "" }, { _tag: "AssignPortRange", range: "53/udp", hostType: "dns" }], initialState)
    expect(bad._tag).toBe("Rejected")
  })

  it("decides a batch on a working copy: the given state is never changed, and later commands see earlier ones", () => {
    const before = foldInventory([web, http])
    const snapshot = { types: [...before.types], hosts: [...before.hosts], ranges: [...before.ranges], assignments: [...before.assignments].map(([t, ids]) => [t, [...ids]]) }
    const hosts = Array.from({ length: 2000 }, (_, i) => ({ _tag: "RegisterHost" as const, ip: `10.20.${i >> 8}.${i & 255}`, hostType: "servidores web", name: null }))
    const decided = decideAll([...hosts, { _tag: "AssignPortRange", range: "80/tcp", hostType: "servidores web" }, hosts[0]!], before)
    // the last command registers a host the batch already registered
    expect(decided._tag).toBe("Rejected")
    const ok = decideAll([...hosts, { _tag: "AssignPortRange", range: "80/tcp", hostType: "servidores web" }], before)
    expect(ok._tag === "Accepted" && ok.events.length).toBe(2001)
    expect({ types: [...before.types], hosts: [...before.hosts], ranges: [...before.ranges], assignments: [...before.assignments].map(([t, ids]) => [t, [...ids]]) }).toEqual(snapshot)
  })

  it("folds the same state with the copying evolve and the linear fold", () => {
    const history = [web, http, sip, host, new PortRangeAssigned({ rangeId: "1", hostType: "servidores web" }), new HostDisabled({ ip: "193.22.119.2", reason: "x" })]
    expect(foldInventory(history)).toEqual(history.reduce(evolve, initialState))
    expect(rangesOfType(foldInventory(history), "servidores web").map((r) => r.rangeId)).toEqual(["1"])
  })

  it("plans the adoption of a scan: type, hosts, uncovered open ports declared and assigned", () => {
    const state = [web, http, new PortRangeAssigned({ rangeId: "1", hostType: "servidores web" })].reduce(evolve, initialState)
    const plan = planAdoption(state, "servidores web", [
      { ip: "193.22.119.20", hostname: "sip-proxy", open: [{ port: 80, transport: "tcp", service: "http" }, { port: 443, transport: "tcp", service: "https" }] },
      { ip: "193.22.119.21", hostname: null, open: [{ port: 443, transport: "tcp", service: "https" }] },
      { ip: "193.22.119.22", hostname: null, open: [] }
    ])
    expect(plan.commands).toEqual([
      { _tag: "RegisterHost", ip: "193.22.119.20", hostType: "servidores web", name: "sip-proxy" },
      { _tag: "DeclarePortRange", min: 443, max: 443, transport: "tcp", description: "https", plugin: null },
      { _tag: "AssignPortRange", range: "443/tcp", hostType: "servidores web" },
      { _tag: "RegisterHost", ip: "193.22.119.21", hostType: "servidores web", name: null }
    ])
    expect(decideAll(plan.commands, state)._tag).toBe("Accepted")
  })
})
