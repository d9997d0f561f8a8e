/** One measured figure. `budget` is the DESIGN.md budget it is compared with, when there is one. */
export interface BenchResult {
  /** Which benchmark area this belongs to (a heading in bench/RESULTS.md). */
  group: string;
  name: string;
  value: number;
  unit: string;
  budget?: { op: "<=" | ">="; value: number };
  note?: string;
}

export interface BenchModule {
  /** Runs the measurements; may take tens of seconds. */
  run(): Promise<BenchResult[]>;
}
