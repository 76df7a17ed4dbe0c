/**
 * Source of config/kibana/honeyhole.ndjson: the data view, the thesis' charts (ch. 4.7 and
 * 5.2) as Lens visualizations, the map of sources and the dashboard, written as code because
 * one-line Lens JSON cannot be reviewed. Regenerate after a change:
 *
 *   npx tsx config/kibana/generate.ts > config/kibana/honeyhole.ndjson
 *
 * (test/search/kibana.test.ts fails when the two differ). Objects carry the migration
 * versions of the format they are written in (Lens 8.6.0 "formBased", map 8.1.0 layer
 * types, dashboard 8.7.0 panel references), so Kibana 8.8+ migrates them forward on import.
 * Editing in Kibana and exporting also works; then port the change here.
 */
import { pathToFileURL } from "node:url"

type Json = Record<string, unknown>
type Column = Json

const DV = "honeyhole-events"
const AT = "2026-11-30T00:00:00.000Z"
// only the root fields every Kibana 8.8+ import accepts (no `managed`, `created_at`: later 8.x additions)
const core = { coreMigrationVersion: "8.8.0", updated_at: AT }
const j = (v: unknown): string => JSON.stringify(v)
const kuery = (query = ""): Json => ({ query, language: "kuery" })

const count = (label = "Events"): Column => ({ label, customLabel: true, dataType: "number", operationType: "count", isBucketed: false, scale: "ratio", sourceField: "___records___", params: { emptyAsNull: true } })
const terms = (field: string, label: string, size: number, orderBy: string, { dataType = "string", other = true }: { dataType?: string; other?: boolean } = {}): Column => ({
  label, customLabel: true, dataType, operationType: "terms", scale: "ordinal", sourceField: field, isBucketed: true,
  params: { size, orderBy: { type: "column", columnId: orderBy }, orderDirection: "desc", otherBucket: other, missingBucket: false, parentFormat: { id: "terms" } }
})
const perDay = (label = "Day"): Column => ({ label, customLabel: true, dataType: "date", operationType: "date_histogram", sourceField: "@timestamp", isBucketed: true, scale: "interval", params: { interval: "1d", includeEmptyRows: true, dropPartials: false } })

interface LensSpec {
  readonly id: string
  readonly title: string
  readonly description: string
  readonly visualizationType: "lnsXY" | "lnsPie" | "lnsDatatable"
  /** one layer, "main"; bucket columns first, metrics last */
  readonly columns: Record<string, Column>
  readonly visualization: Json
  /** KQL narrowing what the chart counts */
  readonly query?: string
}

const lens = ({ id, title, description, visualizationType, columns, visualization, query = "" }: LensSpec): Json => ({
  attributes: {
    description,
    state: {
      adHocDataViews: {},
      datasourceStates: { formBased: { layers: { main: { columnOrder: Object.keys(columns), columns, incompleteColumns: {} } } } },
      filters: [],
      internalReferences: [],
      query: kuery(query),
      visualization
    },
    title,
    visualizationType
  },
  ...core,
  id,
  references: [{ id: DV, name: "indexpattern-datasource-layer-main", type: "index-pattern" }],
  type: "lens",
  typeMigrationVersion: "8.6.0"
})

const axes = { x: true, yLeft: true, yRight: true }
const xy = (seriesType: string, x: string, accessors: ReadonlyArray<string>, split?: string): Json => ({
  legend: { isVisible: split !== undefined, position: "right", legendSize: "auto" },
  valueLabels: "hide",
  fittingFunction: "None",
  axisTitlesVisibilitySettings: axes,
  tickLabelsVisibilitySettings: axes,
  gridlinesVisibilitySettings: axes,
  yLeftExtent: { mode: "full" },
  yRightExtent: { mode: "full" },
  preferredSeriesType: seriesType,
  layers: [{ layerId: "main", layerType: "data", seriesType, position: "top", showGridlines: false, xAccessor: x, accessors, ...(split ? { splitAccessor: split } : {}) }]
})
const donut = (groups: ReadonlyArray<string>, metric: string): Json => ({
  shape: "donut",
  layers: [{ layerId: "main", layerType: "data", primaryGroups: groups, metrics: [metric], numberDisplay: "percent", categoryDisplay: "default", legendDisplay: "default", nestedLegend: false }]
})

/** every saved object, in import order (the data view before what references it) */
export const honeyholeSavedObjects = (): ReadonlyArray<Json> => {
  const objects: Array<Json> = []
  objects.push({
    attributes: {
      fieldAttrs: "{}",
      fieldFormatMap: j({ "source.bytes": { id: "bytes" }, "destination.bytes": { id: "bytes" }, "honeyhole.payload.bytes": { id: "bytes" } }),
      fields: "[]",
      name: "honeyhole events",
      runtimeFieldMap: "{}",
      sourceFilters: "[]",
      timeFieldName: "@timestamp",
      title: "honeyhole-events-*",
      typeMeta: "{}"
    },
    ...core,
    id: DV,
    references: [],
    type: "index-pattern",
    typeMigrationVersion: "7.11.0"
  })

  objects.push(lens({
    id: "honeyhole-events-by-source-ip", title: "[honeyhole] Events by remote host",
    description: "Addresses that touched the honeypot most (seed fig. 24: gráfica por host remoto).",
    visualizationType: "lnsXY",
    columns: { ip: terms("source.ip", "Remote host", 20, "events", { dataType: "ip", other: false }), events: count() },
    visualization: xy("bar_horizontal", "ip", ["events"])
  }))
  objects.push(lens({
    id: "honeyhole-events-by-service", title: "[honeyhole] Events by service",
    description: "Which emulated services are attacked (seed fig. 25 and 38).",
    visualizationType: "lnsPie",
    columns: { service: terms("honeyhole.service", "Service", 15, "events"), events: count() },
    visualization: donut(["service"], "events")
  }))
  objects.push(lens({
    id: "honeyhole-events-by-protocol", title: "[honeyhole] Contacts by protocol",
    description: "Connections (UDP: first datagram of a flow) by transport, TCP/UDP as in seed fig. 26, then by the application protocol the plugin speaks. Counts contact-opened events, the ones that carry transport and protocol.",
    visualizationType: "lnsPie",
    query: 'event.action : "contact-opened"',
    columns: { transport: terms("network.transport", "Transport", 3, "events", { other: false }), protocol: terms("network.protocol", "Protocol", 10, "events"), events: count() },
    visualization: donut(["transport", "protocol"], "events")
  }))
  objects.push(lens({
    id: "honeyhole-events-by-country-service", title: "[honeyhole] Events by country and service",
    description: "For each source country, which services it attacks (seed fig. 27).",
    visualizationType: "lnsXY",
    columns: { country: terms("source.geo.country_iso_code", "Country", 15, "events"), service: terms("honeyhole.service", "Service", 8, "events"), events: count() },
    visualization: xy("bar_stacked", "country", ["events"], "service")
  }))
  objects.push(lens({
    id: "honeyhole-events-by-continent", title: "[honeyhole] Events by continent",
    description: "Events per source continent, and per service within each continent (seed fig. 28 and 39).",
    visualizationType: "lnsPie",
    columns: { continent: terms("source.geo.continent_code", "Continent", 7, "events", { other: false }), service: terms("honeyhole.service", "Service", 5, "events"), events: count() },
    visualization: donut(["continent", "service"], "events")
  }))
  objects.push(lens({
    id: "honeyhole-sip-methods", title: "[honeyhole] SIP request types",
    description: "SIP methods sent to the SIP service: REGISTER scans, OPTIONS probes, INVITE toll-fraud attempts (seed fig. 30).",
    visualizationType: "lnsPie",
    columns: { method: terms("honeyhole.sip.method", "SIP method", 10, "events"), events: count() },
    visualization: donut(["method"], "events")
  }))
  objects.push(lens({
    id: "honeyhole-events-per-day", title: "[honeyhole] Events per day",
    description: "Daily event count, stacked by service (seed fig. 40).",
    visualizationType: "lnsXY",
    columns: { day: perDay(), service: terms("honeyhole.service", "Service", 5, "events"), events: count() },
    visualization: xy("bar_stacked", "day", ["events"], "service")
  }))
  objects.push(lens({
    id: "honeyhole-top-credentials", title: "[honeyhole] Top credentials",
    description: "Usernames tried most, with the passwords tried for each (seed ch. 5.2: root, admin, 1234…).",
    visualizationType: "lnsDatatable",
    query: 'event.action : "credentials-tried"',
    columns: { user: terms("user.name", "Username", 20, "events", { other: false }), password: terms("honeyhole.credentials.password", "Password", 5, "events", { other: false }), events: count("Attempts") },
    visualization: { layerId: "main", layerType: "data", columns: [{ columnId: "user", isTransposed: false }, { columnId: "password", isTransposed: false }, { columnId: "events", isTransposed: false }], rowHeight: "single", rowHeightLines: 1 }
  }))

  const fieldMeta = { isEnabled: true, sigma: 3 }
  objects.push({
    attributes: {
      description: "Where attacks come from: one circle per grid cell of source.geo.location, colour and size by event count (seed fig. 29).",
      layerListJSON: j([
        { id: "basemap", type: "EMS_VECTOR_TILE", label: null, minZoom: 0, maxZoom: 24, alpha: 1, visible: true, includeInFitToBounds: true, sourceDescriptor: { type: "EMS_TMS", isAutoSelect: true, lightModeDefault: "road_map_desaturated" }, style: { type: "EMS_VECTOR_TILE" } },
        {
          id: "sources", type: "GEOJSON_VECTOR", label: "Attack sources", minZoom: 0, maxZoom: 24, alpha: 0.75, visible: true, includeInFitToBounds: true, joins: [],
          sourceDescriptor: { type: "ES_GEO_GRID", id: "sources-grid", geoField: "source.geo.location", requestType: "point", resolution: "COARSE", metrics: [{ type: "count", label: "Events" }], applyGlobalQuery: true, applyGlobalTime: true, applyForceRefresh: true, indexPatternRefName: "layer_1_source_index_pattern" },
          style: {
            type: "VECTOR",
            isTimeAware: true,
            properties: {
              symbolizeAs: { options: { value: "circle" } },
              icon: { type: "STATIC", options: { value: "marker" } },
              fillColor: { type: "DYNAMIC", options: { color: "Yellow to Red", field: { name: "doc_count", origin: "source" }, fieldMetaOptions: fieldMeta } },
              lineColor: { type: "STATIC", options: { color: "#3d3d3d" } },
              lineWidth: { type: "STATIC", options: { size: 1 } },
              iconSize: { type: "DYNAMIC", options: { minSize: 4, maxSize: 32, field: { name: "doc_count", origin: "source" }, fieldMetaOptions: fieldMeta } },
              labelText: { type: "STATIC", options: { value: "" } }
            }
          }
        }
      ]),
      mapStateJSON: j({ zoom: 1.4, center: { lon: 0, lat: 20 }, timeFilters: { from: "now-7d", to: "now" }, refreshConfig: { isPaused: true, interval: 0 }, query: kuery(), filters: [], settings: { autoFitToDataBounds: false, initialLocation: "LAST_SAVED_LOCATION" } }),
      title: "[honeyhole] Map of attack sources",
      uiStateJSON: j({ isLayerTOCOpen: true, openTOCDetails: [] })
    },
    ...core,
    id: "honeyhole-sources-map",
    references: [{ id: DV, name: "layer_1_source_index_pattern", type: "index-pattern" }],
    type: "map",
    typeMigrationVersion: "8.1.0"
  })

  // Kibana's dashboard grid is 48 columns wide: [panel, type, object id, x, y, w, h]
  const layout: ReadonlyArray<readonly [string, "lens" | "map", string, number, number, number, number]> = [
    ["per-day", "lens", "honeyhole-events-per-day", 0, 0, 32, 14],
    ["service", "lens", "honeyhole-events-by-service", 32, 0, 16, 14],
    ["map", "map", "honeyhole-sources-map", 0, 14, 24, 20],
    ["country-service", "lens", "honeyhole-events-by-country-service", 24, 14, 24, 20],
    ["remote-host", "lens", "honeyhole-events-by-source-ip", 0, 34, 16, 16],
    ["protocol", "lens", "honeyhole-events-by-protocol", 16, 34, 16, 16],
    ["continent", "lens", "honeyhole-events-by-continent", 32, 34, 16, 16],
    ["sip", "lens", "honeyhole-sip-methods", 0, 50, 16, 16],
    ["credentials", "lens", "honeyhole-top-credentials", 16, 50, 32, 16]
  ]
  const panels = layout.map(([i, type, , x, y, w, h]) => ({
    version: "8.8.0", type, gridData: { x, y, w, h, i }, panelIndex: i,
    embeddableConfig: type === "map" ? { isLayerTOCOpen: false, hiddenLayers: [], mapCenter: { lat: 20, lon: 0, zoom: 1.4 }, openTOCDetails: [], enhancements: {} } : { enhancements: {} },
    panelRefName: `panel_${i}`
  }))
  objects.push({
    attributes: {
      description: "honeyhole sensor activity: the charts of the thesis (ch. 4.7, 5.2) over the search projection's ECS documents.",
      kibanaSavedObjectMeta: { searchSourceJSON: j({ query: kuery(), filter: [] }) },
      optionsJSON: j({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
      panelsJSON: j(panels),
      refreshInterval: { pause: true, value: 60000 },
      timeFrom: "now-7d",
      timeRestore: true,
      timeTo: "now",
      title: "[honeyhole] Honeypot attacks",
      version: 1
    },
    ...core,
    id: "honeyhole-dashboard",
    references: layout.map(([i, type, id]) => ({ id, name: `${i}:panel_${i}`, type })),
    type: "dashboard",
    typeMigrationVersion: "8.7.0"
  })

  return objects
}

/** one object per line, top-level keys sorted as Kibana exports them */
export const renderNdjson = (): string =>
  honeyholeSavedObjects()
    .map((o) => j(Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]))))
    .join("\n") + "\n"

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.stdout.write(renderNdjson())
