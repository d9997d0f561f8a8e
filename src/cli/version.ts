import { BUILD } from "../version";
import { rejectUnknownFlags } from "./args";
import type { Command } from "./command";

export const versionCommand: Command = {
  summary: "Print the version and the commit it was built from",
  help: "Usage: homeserver version\n\nPrints the version and the commit it was built from.\n",
  valueFlags: [],
  async run(args, ctx) {
    rejectUnknownFlags(args, []);
    ctx.out(`hearth ${BUILD.version} (commit ${BUILD.commit})\n`);
    return 0;
  },
};
