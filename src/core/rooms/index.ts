/** Room versions as data, and lenient readers of the state events that govern a room. */
export * from "./creators";
export * from "./history-visibility";
export * from "./join-rules";
export * from "./power-levels";
export * from "./room-power";
export * from "./versions";
