/**
 * A larger fork (about 1,600 state events on each side, no timing): the resolution keeps every valid
 * change of both forks, applies the kicks and the latest power levels, and is the same whichever order
 * the states come in.
 */
import { expect, test } from "bun:test";
import { stateMapKey } from "../../../src/core/auth/types";
import type { RoomVersionId } from "../../../src/core/rooms/versions";
import { resolveState } from "../../../src/core/state-res/resolve";
import { ALICE, standardRoom } from "../../helpers/builders";

for (const version of ["2", "11", "12"] as RoomVersionId[]) {
  test(`room v${version}: two forks of joins, kicks and power changes resolve to the union of what was allowed`, () => {
    const d = standardRoom(version, []);
    const fork = d.last!;
    const promoted: Record<string, number> = { [ALICE]: 100 };
    let pl = "$IPOWER";
    for (let i = 0; i < 1_600; i++) {
      const u = `@a${i}:example.com`;
      d.join(u);
      if (i % 400 === 399) {
        promoted[u] = 10;
        pl = d.powerLevels(ALICE, { users: promoted }).event_id;
      }
    }
    const a = d.last!;
    d.last = fork;
    const kicked: string[] = [];
    for (let i = 0; i < 1_600; i++) {
      const u = `@b${i}:example.com`;
      d.join(u);
      if (i % 200 === 199) {
        d.member(ALICE, u, "leave");
        kicked.push(u);
      }
    }
    const b = d.last!;
    const sets = [d.stateAfter(a), d.stateAfter(b)];
    const r = resolveState(d.rules, sets, d.ctx);
    const membership = (u: string) => d.get(r.get(stateMapKey("m.room.member", u))!).content.membership;
    expect(r.get(stateMapKey("m.room.power_levels", ""))).toBe(pl);
    for (let i = 0; i < 1_600; i += 97) {
      expect(membership(`@a${i}:example.com`)).toBe("join");
      if (!kicked.includes(`@b${i}:example.com`)) expect(membership(`@b${i}:example.com`)).toBe("join");
    }
    for (const u of kicked) expect(membership(u)).toBe("leave");
    expect(resolveState(d.rules, [...sets].reverse(), d.ctx)).toEqual(r);
  });
}
