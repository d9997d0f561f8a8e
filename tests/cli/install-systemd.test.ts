/** The systemd unit that `./install.sh --systemd` installs, rendered by scripts/install-systemd.sh. */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");
const prefix = mkdtempSync(join(tmpdir(), "hearth-prefix-"));
mkdirSync(join(prefix, "bin"));
writeFileSync(join(prefix, "bin", "homeserver"), "#!/bin/sh\n");
chmodSync(join(prefix, "bin", "homeserver"), 0o755);
afterAll(() => rmSync(prefix, { recursive: true, force: true }));

function render(...args: string[]) {
  const r = Bun.spawnSync(["bash", "scripts/install-systemd.sh", "--render-unit", ...args], { cwd: ROOT });
  return { code: r.exitCode, unit: r.stdout.toString(), err: r.stderr.toString() };
}

/** `Key=value` lines of the [Service] section (comments dropped). */
function directives(unit: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of unit.split("\n")) {
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv) m.set(kv[1]!, kv[2]!);
  }
  return m;
}

describe("hearth.service", () => {
  const { code, unit } = render("--prefix", prefix);
  const d = directives(unit);

  test("renders with every placeholder filled", () => {
    expect(code).toBe(0);
    expect(unit).not.toMatch(/@[A-Z_]+@/);
  });

  test("runs the installed binary with the system config, as the hearth user", () => {
    expect(d.get("ExecStart")).toBe(`${prefix}/bin/homeserver run --config /etc/hearth/homeserver.toml`);
    expect(d.get("User")).toBe("hearth");
    expect(d.get("Group")).toBe("hearth");
  });

  test("is hardened: read-only system, writable data dir only, no privilege gain, only CAP_NET_BIND_SERVICE", () => {
    expect(d.get("NoNewPrivileges")).toBe("yes");
    expect(d.get("ProtectSystem")).toBe("strict");
    expect(d.get("ProtectHome")).toBe("yes");
    expect(d.get("PrivateTmp")).toBe("yes");
    expect(d.get("ReadWritePaths")).toBe("/var/lib/hearth");
    expect(d.get("AmbientCapabilities")).toBe("CAP_NET_BIND_SERVICE");
    expect(d.get("CapabilityBoundingSet")).toBe("CAP_NET_BIND_SERVICE");
    expect(d.get("UMask")).toBe("0077");
  });

  test("restarts on failure, stops with SIGTERM, starts at boot", () => {
    expect(d.get("Restart")).toBe("on-failure");
    expect(d.get("KillSignal")).toBe("SIGTERM");
    expect(d.get("WantedBy")).toBe("multi-user.target");
  });

  test("custom paths and user are used throughout", () => {
    const custom = directives(
      render("--prefix", prefix, "--config", "/srv/hs/hs.toml", "--data-dir", "/srv/hs/data", "--user", "matrix").unit,
    );
    expect(custom.get("ExecStart")).toBe(`${prefix}/bin/homeserver run --config /srv/hs/hs.toml`);
    expect(custom.get("ReadWritePaths")).toBe("/srv/hs/data");
    expect(custom.get("User")).toBe("matrix");
  });

  test("relative paths are refused", () => {
    expect(render("--data-dir", "data").code).toBe(2);
    expect(render("--config", "hs.toml").code).toBe(2);
    expect(render("--bogus").code).toBe(2);
  });

  test.if(Bun.which("systemd-analyze") !== null)("passes systemd-analyze verify", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-unit-"));
    try {
      const path = join(dir, "hearth.service");
      writeFileSync(path, unit);
      const r = Bun.spawnSync(["systemd-analyze", "verify", path]);
      expect(r.stderr.toString()).toBe("");
      expect(r.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("install.sh options", () => {
  const run = (...args: string[]) => Bun.spawnSync(["bash", "install.sh", ...args], { cwd: ROOT });

  test("--help describes the options", () => {
    const r = run("--help");
    expect(r.exitCode).toBe(0);
    for (const opt of ["--prefix DIR", "--systemd", "--deps-only"]) expect(r.stdout.toString()).toContain(opt);
  });

  test("an unknown option is a usage error", () => {
    const r = run("--frobnicate");
    expect(r.exitCode).toBe(2);
    expect(r.stderr.toString()).toContain("unknown option --frobnicate");
  });

  test.if(process.getuid?.() === 0)("--systemd as a normal user says it needs root, before doing anything", () => {
    const r = Bun.spawnSync(
      ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "bash", "install.sh", "--systemd"],
      {
        cwd: ROOT,
      },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain("needs root: sudo ./install.sh --systemd");
  });
});
