/** The expected-port inventory (seed annex A, as events): stream `inventory`; and the allowlist. */
import { Schema } from "effect"
import { IpAddress, Port, Transport } from "./common.js"

export class HostTypeDefined extends Schema.TaggedClass<HostTypeDefined>()("HostTypeDefined", {
  name: Schema.NonEmptyTrimmedString,
  description: Schema.String
}) {}

export class HostRegistered extends Schema.TaggedClass<HostRegistered>()("HostRegistered", {
  ip: IpAddress,
  hostType: Schema.String,
  name: Schema.NullOr(Schema.String)
}) {}

export class HostDisabled extends Schema.TaggedClass<HostDisabled>()("HostDisabled", {
  ip: IpAddress,
  reason: Schema.String
}) {}

export class PortRangeDeclared extends Schema.TaggedClass<PortRangeDeclared>()("PortRangeDeclared", {
  rangeId: Schema.String,
  min: Port,
  max: Port,
  transport: Transport,
  description: Schema.String,
  plugin: Schema.NullOr(Schema.String)
}) {}

export class PortRangeAssigned extends Schema.TaggedClass<PortRangeAssigned>()("PortRangeAssigned", {
  rangeId: Schema.String,
  hostType: Schema.String
}) {}

export class PortRangeUnassigned extends Schema.TaggedClass<PortRangeUnassigned>()("PortRangeUnassigned", {
  rangeId: Schema.String,
  hostType: Schema.String
}) {}

export const InventoryEvent = Schema.Union(
  HostTypeDefined,
  HostRegistered,
  HostDisabled,
  PortRangeDeclared,
  PortRangeAssigned,
  PortRangeUnassigned
)

export class AllowlistEntryAdded extends Schema.TaggedClass<AllowlistEntryAdded>()("AllowlistEntryAdded", {
  cidr: Schema.String,
  reason: Schema.String,
  by: Schema.String
}) {}

export class AllowlistEntryRemoved extends Schema.TaggedClass<AllowlistEntryRemoved>()("AllowlistEntryRemoved", {
  cidr: Schema.String,
  reason: Schema.String,
  by: Schema.String
}) {}

export const AllowlistEvent = Schema.Union(AllowlistEntryAdded, AllowlistEntryRemoved)

/** Re-exported so callers validating host addresses share one definition. */
export { IpAddress }
