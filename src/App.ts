/** The composition root's layer: configuration, stores, services and the Node platform. */
import { NodeContext } from "@effect/platform-node"
import { Layer, RuntimeFlags } from "effect"
import { AppConfig } from "./AppConfig.js"
import type { LoadOptions } from "./config/load.js"
import { Projections } from "./Projections.js"
import { EventStoreLive, ReadModelsLive } from "./stores.js"

export const AppLayer = (options: LoadOptions) =>
  Layer.mergeAll(Projections.Live, NodeContext.layer, RuntimeFlags.enableRuntimeMetrics).pipe(
    Layer.provideMerge(Layer.mergeAll(EventStoreLive, ReadModelsLive)),
    Layer.provideMerge(AppConfig.layer(options))
  )
