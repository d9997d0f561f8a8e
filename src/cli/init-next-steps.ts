/** What `homeserver init` prints at the end: what was written, and what the operator must still set up. */
import { federationAddress, type InitAnswers } from "./init-answers";

export function nextSteps(
  a: InitAnswers,
  w: { configPath: string; dataDir: string; keptKey: boolean; adminNote: string },
): string {
  const publicHost = new URL(a.publicUrl).hostname;
  const serverHost = a.serverName.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const listen = `${a.listenHost.includes(":") ? `[${a.listenHost}]` : a.listenHost}:${a.listenPort}`;
  const fed = federationAddress(a.publicUrl);
  const out: string[] = [];
  out.push("Wrote:");
  out.push(`  config        ${w.configPath}`);
  out.push(`  data          ${w.dataDir} (database, signing key${w.keptKey ? " kept from before" : ""})`);
  out.push(`  admin         ${w.adminNote || "(none: add one with `homeserver user add NAME --admin`)"}`);
  out.push("");
  out.push("Still to do:");
  let n = 0;
  const step = (text: string) => out.push(`${++n}. ${text}`);

  const local = /^(localhost|127\.|\[?::1\]?$)/.test(publicHost);
  if (!local) step(`DNS: point ${publicHost} (A and/or AAAA records) at this machine's public address.`);

  if (a.tls === "acme") {
    step(
      `Ports: open TCP 80 and ${a.listenPort} to this machine (router port forwarding, firewall).\n` +
        "   Port 80 answers the certificate authority's HTTP-01 challenges; the certificate is fetched at first start.\n" +
        "   Binding ports below 1024 needs root or CAP_NET_BIND_SERVICE (the systemd unit grants it).",
    );
  } else if (a.tls === "files") {
    step(
      `Ports: open TCP ${a.listenPort} to this machine. Renew ${a.certFile} before it expires: the server picks up the new files by itself (or at once on SIGHUP).`,
    );
  } else {
    step(
      `Reverse proxy: serve https://${publicHost}/ with your proxy and forward /_matrix/ and /_synapse/client/\n` +
        `   to http://${listen} (README: "Behind a reverse proxy" has nginx and Caddy examples).\n` +
        "   Open TCP 443 (and 8448 if you federate on it) to the proxy.",
    );
  }

  if (serverHost !== publicHost) {
    step(
      `.well-known: user IDs end in :${a.serverName} but the server runs at ${publicHost}, so\n` +
        `   https://${serverHost}/.well-known/matrix/server must return   {"m.server": "${fed}"}\n` +
        `   https://${serverHost}/.well-known/matrix/client must return   {"m.homeserver": {"base_url": "${a.publicUrl}"}}\n` +
        "   (the client one with the header Access-Control-Allow-Origin: *). If that host is served by\n" +
        `   another web server, add them there; if it points at this server, Hearth answers them itself.`,
    );
  } else {
    step(
      "Nothing for .well-known: this server answers /.well-known/matrix/client and /.well-known/matrix/server itself.",
    );
  }

  if (a.registration === "token")
    step("Registration: make tokens with `homeserver token create --uses 1` and hand them out.");
  else if (a.registration === "closed") step("Accounts: add people with `homeserver user add NAME`.");
  else step("Registration is open: anyone who finds the server can make an account.");

  step(
    `Start: homeserver run --config ${w.configPath}\n` +
      '   As a service that starts at boot: sudo ./install.sh --systemd (README: "Running under systemd").',
  );
  out.push("");
  out.push(`Check from outside: https://federationtester.matrix.org/#${a.serverName}`);
  return `${out.join("\n")}\n`;
}
