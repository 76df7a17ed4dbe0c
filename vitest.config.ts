import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
    testTimeout: 60_000,
    // beforeAll hooks start real peers (MariaDB, BIRD, FRR …)
    hookTimeout: 240_000,
    // one process per test file: daemons started by a file die with it
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"]
  }
})
