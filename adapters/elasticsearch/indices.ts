/**
 * Dated indices `<prefix>-YYYY.MM.DD`, dated by the EVENT's time (UTC): a replay of an
 * event always lands in the same index, so `_id` = event id never duplicates it (a data
 * stream's rollovers could not promise that). ILM counts age from the date in the name
 * (`index.lifecycle.parse_origination_date`), so a rebuild never keeps old data longer.
 */
import { isIsoUtc, searchIndexName } from "../../domain/search/timestamp.js"

export const indexFor = (prefix: string, timestamp: string): string =>
  // documents carry Date.toISOString() (UTC, "Z"); anything else is normalised first
  searchIndexName(prefix, isIsoUtc(timestamp) ? timestamp : new Date(timestamp).toISOString())

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Only names this projection creates: `<prefix>-YYYY.MM.DD`, nothing else matching `<prefix>-*`. */
export const isOurIndex = (prefix: string) => {
  const re = new RegExp(`^${escapeRegExp(prefix)}-\\d{4}\\.\\d{2}\\.\\d{2}$`)
  return (name: string) => re.test(name)
}
