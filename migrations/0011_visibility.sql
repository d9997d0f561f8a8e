-- Membership history lookups (history visibility: "the user joined at any point after the event").
CREATE INDEX events_room_state_key ON events (room_nid, type, state_key) WHERE state_key IS NOT NULL;
