/** Mapping between the KurrentDB client's shapes and the EventStore port's. */
import { eventTypeFilter, excludeSystemEvents, jsonEvent, streamNameFilter } from "@kurrent/kurrentdb-client"
import type { AllStreamResolvedEvent, Filter, ResolvedEvent } from "@kurrent/kurrentdb-client"
import { Either } from "effect"
import { EventStoreError, matchesFilter } from "../../../domain/EventStore.js"
import type { EventFilter } from "../../../domain/EventStore.js"
import type { NewEvent, RecordedEvent } from "../../../domain/events/index.js"
import { encodePosition } from "./position.js"
import type { LogPosition } from "./position.js"

export const toJsonEvent = (event: NewEvent) =>
  jsonEvent({ id: event.eventId, type: event.type, data: { ...event.data }, metadata: { ...event.metadata } })

/** A recorded event with its decoded position, which reads need for paging and exclusivity. */
export interface Located {
  readonly recorded: RecordedEvent
  readonly at: LogPosition
}

/**
 * `undefined` for what the port never shows: unresolved links (we never resolve links)
 * and the server's own events (`$`-prefixed types or streams: settings, stats, metadata,
 * projection links), which no filter of ours asks for.
 */
export const locate = (
  resolved: ResolvedEvent | AllStreamResolvedEvent
): Either.Either<Located | undefined, EventStoreError> => {
  const event = resolved.event
  if (event === undefined || event.type.startsWith("$") || event.streamId.startsWith("$")) return Either.right(undefined)
  const at = event.position ??
    (resolved.commitPosition === undefined ? undefined : { commit: resolved.commitPosition, prepare: resolved.commitPosition })
  if (at === undefined) {
    return Either.left(
      new EventStoreError({ reason: "Decode", message: `event ${event.id} in ${event.streamId} came without a log position` })
    )
  }
  return Either.right({
    at,
    recorded: {
      stream: event.streamId,
      revision: Number(event.revision),
      position: encodePosition(at),
      eventId: event.id,
      type: event.type,
      data: event.data,
      metadata: event.metadata ?? null
    }
  })
}

/** The server-side filter; without one of ours, the server still drops system events. */
export const serverFilter = (filter: EventFilter | undefined): Filter =>
  filter === undefined
    ? excludeSystemEvents()
    : filter.kind === "eventType"
    ? eventTypeFilter({ prefixes: [...filter.prefixes] })
    : streamNameFilter({ prefixes: [...filter.prefixes] })

/** Checked again on our side: cheap, and it keeps server-side matching differences out. */
export const keeps = (filter: EventFilter | undefined, located: Located): boolean =>
  matchesFilter(filter, located.recorded)

/** An empty prefix list matches nothing (as `matchesFilter` says); the server is not asked. */
export const matchesNothing = (filter: EventFilter | undefined): boolean =>
  filter !== undefined && filter.prefixes.length === 0
