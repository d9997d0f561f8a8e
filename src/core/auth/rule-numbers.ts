/**
 * The numbers the spec gives each authorization rule, per room version. Rules are added and removed
 * between versions (m.room.aliases before v6, the redaction rule in v1/v2, join_authorised_via in v8,
 * the integer checks in v10, the room ID rule in v12...), so the same check has different numbers:
 * "sender is banned" is 5.2.3 in v1, 4.2.3 in v6, 4.3.3 in v8 and 5.3.3 in v12. Numbers are those of
 * the rendered spec (a list renumbers sequentially even where its source skips a number).
 */
import type { AuthRules } from "../rooms/versions";

type Flags = Pick<
  AuthRules,
  | "specialCaseAliases"
  | "specialCaseRedactionDomain"
  | "restrictedJoinRule"
  | "knocking"
  | "integerPowerLevels"
  | "privilegedCreators"
  | "createInAuthEvents"
  | "roomIdIsCreateEventId"
  | "creatorInContent"
>;

export interface RuleNumbers {
  create: {
    n: string;
    prevEvents: string;
    roomId: string;
    roomVersion: string;
    creatorOrAdditional?: string;
    allow: string;
  };
  roomIdIsCreate?: string;
  authEvents: {
    n: string;
    duplicate: string;
    unexpected: string;
    rejected: string;
    noCreate?: string;
    wrongRoom: string;
  };
  federate: string;
  aliases?: { n: string; noStateKey: string; wrongDomain: string; allow: string };
  member: {
    n: string;
    missing: string;
    authorisedVia?: string;
    join: {
      n: string;
      creator: string;
      notSelf: string;
      banned: string;
      invite: string;
      restricted?: { n: string; member: string; reject: string; allow: string };
      public: string;
      otherwise: string;
    };
    invite: {
      n: string;
      thirdParty: string;
      notJoined: string;
      targetJoinedOrBanned: string;
      allow: string;
      otherwise: string;
    };
    leave: { n: string; self: string; notJoined: string; unban: string; kick: string; otherwise: string };
    ban: { n: string; notJoined: string; allow: string; otherwise: string };
    knock?: { n: string; joinRule: string; notSelf: string; allow: string; otherwise: string };
    unknown: string;
  };
  senderJoined: string;
  thirdPartyInvite: string;
  requiredPower: string;
  userStateKey: string;
  powerLevels: {
    n: string;
    scalarIntegers?: string;
    mapIntegers?: string;
    users: string;
    creatorsInUsers?: string;
    noPrevious: string;
    scalars: string;
    eventsRemoved: string;
    eventsAdded: string;
    usersRemoved: string;
    usersAdded: string;
    allow: string;
  };
  redaction?: { n: string; level: string; domain: string; otherwise: string };
  otherwise: string;
}

function counter(prefix: string) {
  let i = 0;
  return () => `${prefix}${++i}`;
}

const memo = new WeakMap<object, RuleNumbers>();

export function ruleNumbers(auth: Flags): RuleNumbers {
  const hit = memo.get(auth);
  if (hit) return hit;
  const top = counter("");

  const c = top();
  const cs = counter(`${c}.`);
  const create = {
    n: c,
    prevEvents: cs(),
    roomId: cs(),
    roomVersion: cs(),
    creatorOrAdditional: auth.creatorInContent || auth.privilegedCreators ? cs() : undefined,
    allow: cs(),
  };
  const roomIdIsCreate = auth.roomIdIsCreateEventId ? top() : undefined;

  const a = top();
  const as = counter(`${a}.`);
  const authEvents = {
    n: a,
    duplicate: as(),
    unexpected: as(),
    rejected: as(),
    noCreate: auth.createInAuthEvents ? as() : undefined,
    wrongRoom: as(),
  };
  const federate = top();

  let aliases: RuleNumbers["aliases"];
  if (auth.specialCaseAliases) {
    const n = top();
    const s = counter(`${n}.`);
    aliases = { n, noStateKey: s(), wrongDomain: s(), allow: s() };
  }

  const m = top();
  const ms = counter(`${m}.`);
  const missing = ms();
  const authorisedVia = auth.restrictedJoinRule ? `${ms()}.1` : undefined;
  const j = ms();
  const js = counter(`${j}.`);
  const join = {
    n: j,
    creator: js(),
    notSelf: js(),
    banned: js(),
    invite: js(),
    restricted: undefined as RuleNumbers["member"]["join"]["restricted"],
    public: "",
    otherwise: "",
  };
  if (auth.restrictedJoinRule) {
    const r = js();
    join.restricted = { n: r, member: `${r}.1`, reject: `${r}.2`, allow: `${r}.3` };
  }
  join.public = js();
  join.otherwise = js();
  const i = ms();
  const is = counter(`${i}.`);
  const invite = { n: i, thirdParty: is(), notJoined: is(), targetJoinedOrBanned: is(), allow: is(), otherwise: is() };
  const l = ms();
  const ls = counter(`${l}.`);
  const leave = { n: l, self: ls(), notJoined: ls(), unban: ls(), kick: ls(), otherwise: ls() };
  const b = ms();
  const bs = counter(`${b}.`);
  const ban = { n: b, notJoined: bs(), allow: bs(), otherwise: bs() };
  let knock: RuleNumbers["member"]["knock"];
  if (auth.knocking) {
    const k = ms();
    const ks = counter(`${k}.`);
    knock = { n: k, joinRule: ks(), notSelf: ks(), allow: ks(), otherwise: ks() };
  }
  const member = { n: m, missing, authorisedVia, join, invite, leave, ban, knock, unknown: ms() };

  const senderJoined = top();
  const thirdPartyInvite = `${top()}.1`;
  const requiredPower = top();
  const userStateKey = top();
  const p = top();
  const ps = counter(`${p}.`);
  const powerLevels = {
    n: p,
    scalarIntegers: auth.integerPowerLevels ? ps() : undefined,
    mapIntegers: auth.integerPowerLevels ? ps() : undefined,
    users: ps(),
    creatorsInUsers: auth.privilegedCreators ? ps() : undefined,
    noPrevious: ps(),
    scalars: ps(),
    eventsRemoved: ps(),
    eventsAdded: ps(),
    usersRemoved: ps(),
    usersAdded: ps(),
    allow: ps(),
  };
  let redaction: RuleNumbers["redaction"];
  if (auth.specialCaseRedactionDomain) {
    const r = top();
    redaction = { n: r, level: `${r}.1`, domain: `${r}.2`, otherwise: `${r}.3` };
  }
  const out: RuleNumbers = {
    create,
    roomIdIsCreate,
    authEvents,
    federate,
    aliases,
    member,
    senderJoined,
    thirdPartyInvite,
    requiredPower,
    userStateKey,
    powerLevels,
    redaction,
    otherwise: top(),
  };
  memo.set(auth, out);
  return out;
}
