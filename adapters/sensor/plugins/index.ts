/** Every plugin, by the name `sensor.services[].plugin` uses. */
import type { PluginEntry } from "../Plugin.js"
import { banner, echo, random } from "./basic.js"
import { dns } from "./dns/index.js"
import { ssh } from "./ssh/index.js"
import { telnet } from "./telnet/index.js"
import { tftp } from "./tftp/index.js"
import { http, https } from "./http.js"
import { mysql } from "./mysql.js"
import { smtp } from "./smtp.js"
import { sip } from "./sip.js"

const registry = new Map<string, PluginEntry>([
  ["echo", echo],
  ["banner", banner],
  ["motd", banner],
  ["http", http],
  ["https", https],
  ["smtp", smtp],
  ["mysql", mysql],
  ["sip", sip],
  ["random", random],
  ["dns", dns],
  ["tftp", tftp],
  ["telnet", telnet],
  ["ssh", ssh]
])

export const pluginNamed = (name: string): PluginEntry | undefined => registry.get(name)

export const pluginNames = (): ReadonlyArray<string> => [...registry.keys()].sort()

/** The extension point for plugins outside this folder (and for tests' misbehaving plugins). */
export const registerPlugin = (name: string, entry: PluginEntry): void => {
  registry.set(name, entry)
}
