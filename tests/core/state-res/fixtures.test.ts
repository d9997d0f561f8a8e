/**
 * State resolution on DAG scenarios (tests/vectors/state-res/*.json). Each fixture lists events with
 * their prev events; the builder computes every event's state (resolving at merges) and auth events
 * (the auth events selection from the state before). The fixture's expectations apply to the state at
 * an END event whose prev events are `end`, or to the resolution of the given `state_sets` (a state
 * after an event, with some keys replaced by older events, as a partial synchronisation can yield).
 *
 * With `initial`, the room starts with: CREATE and IMA (Alice creates and joins), IPOWER (Alice 100),
 * IJR (public), IMB, IMC, IMZ (Bob, Charlie and Zara join).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stateMapKey } from "../../../src/core/auth/types";
import type { RoomVersionId } from "../../../src/core/rooms/versions";
import { resolveState } from "../../../src/core/state-res/resolve";
import { ALICE, BOB, CHARLIE, RoomDag, ZARA } from "../../helpers/builders";

interface FixtureEvent {
  id: string;
  type: string;
  state_key?: string;
  sender: string;
  content: Record<string, unknown>;
  prev?: string[];
  auth?: string[];
  ts?: number;
}

interface Expectation {
  state?: string[];
  absent?: [string, string][];
}

interface Fixture {
  description: string;
  room_versions: RoomVersionId[];
  initial?: boolean;
  events: FixtureEvent[];
  end?: string[];
  state_sets?: { after: string; replace?: string[] }[];
  expected: Partial<Record<"all" | "v1" | "v2" | "v2.1", Expectation>>;
}

const DIR = join(import.meta.dir, "../../vectors/state-res");

function buildRoom(f: Fixture, version: RoomVersionId): RoomDag {
  const d = new RoomDag(version);
  if (f.initial) {
    d.create(ALICE);
    d.join(ALICE, { id: "IMA" });
    d.powerLevels(ALICE, { users: { [ALICE]: 100 } }, { id: "IPOWER" });
    d.joinRules(ALICE, "public", {}, { id: "IJR" });
    d.join(BOB, { id: "IMB" });
    d.join(CHARLIE, { id: "IMC" });
    d.join(ZARA, { id: "IMZ" });
  }
  for (const e of f.events) {
    const content = e.type === "m.room.power_levels" ? d.plContent(e.content) : e.content;
    d.add({
      id: e.id,
      type: e.type,
      stateKey: e.state_key,
      sender: e.sender,
      content,
      prev: e.prev,
      auth: e.auth,
      ts: e.ts,
    });
  }
  return d;
}

function resolved(f: Fixture, d: RoomDag): { state: ReadonlyMap<string, string>; sets: ReadonlyMap<string, string>[] } {
  if (f.state_sets) {
    const sets = f.state_sets.map(({ after, replace }) => {
      const s = new Map(d.stateAfter(after));
      for (const r of replace ?? []) {
        const ev = d.get(r);
        s.set(stateMapKey(ev.type, ev.state_key!), ev.event_id);
      }
      return s;
    });
    return { state: resolveState(d.rules, sets, d.ctx), sets };
  }
  const end = d.add({ id: "END", type: "m.room.message", sender: ALICE, content: {}, prev: f.end });
  return { state: d.stateBefore(end.event_id), sets: (f.end ?? []).map((p) => d.stateAfter(p)) };
}

const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));

describe("state resolution DAG fixtures", () => {
  test("the fixtures are there", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    const f = JSON.parse(readFileSync(join(DIR, file), "utf8")) as Fixture;
    for (const version of f.room_versions) {
      const probe = new RoomDag(version);
      const algorithm = probe.rules.stateRes;
      const exp = f.expected[algorithm] ?? f.expected.all;
      if (!exp) continue;
      test(`${file.replace(/\.json$/, "")}: room v${version} (state res ${algorithm})`, () => {
        const d = buildRoom(f, version);
        const { state, sets } = resolved(f, d);
        for (const name of exp.state ?? []) {
          const ev = d.get(name);
          expect({ key: [ev.type, ev.state_key], id: state.get(stateMapKey(ev.type, ev.state_key!)) }).toEqual({
            key: [ev.type, ev.state_key],
            id: ev.event_id,
          });
        }
        for (const [type, stateKey] of exp.absent ?? []) expect(state.get(stateMapKey(type, stateKey))).toBeUndefined();
        // The result does not depend on the order of the state sets.
        if (sets.length > 1) expect(resolveState(d.rules, [...sets].reverse(), d.ctx)).toEqual(new Map(state));
      });
    }
  }
});
