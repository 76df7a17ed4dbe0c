/** Every plugin, by the name `sensor.services[].plugin` uses. */
import type { PluginEntry } from "../Plugin.js"
import { banner, echo, random } from "./basic.js"

const registry = new Map<string, PluginEntry>([
  ["echo", echo],
  ["banner", banner],
  ["motd", banner],
  ["random", random]
])

export const pluginNamed = (name: string): PluginEntry | undefined => registry.get(name)

export const pluginNames = (): ReadonlyArray<string> => [...registry.keys()].sort()

/** The extension point for plugins outside this folder (and for tests' misbehaving plugins). */
export const registerPlugin = (name: string, entry: PluginEntry): void => {
  registry.set(name, entry)
}
