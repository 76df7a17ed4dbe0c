/** Connection strings: the accepted schemes and how they are shown. */

/**
 * `esdb://` (EventStoreDB) still works with the KurrentDB client but logs a
 * deprecation warning on every start; the two schemes mean the same, so rewrite it.
 * Everything after the scheme (hosts, credentials, query parameters) is kept.
 */
export const normalizeConnectionString = (url: string): string =>
  url.trim().replace(/^esdb(\+discover)?:\/\//i, (_, discover: string | undefined) => `kurrentdb${discover ?? ""}://`)

/** The connection string with any password replaced, for status output and logs. */
export { redactUrl as redactConnectionString } from "../../redactUrl.js"
