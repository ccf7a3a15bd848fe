/**
 * Numbered schema migrations: index i takes the schema from version i to i+1.
 * Never edit a released migration; add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'member', 'viewer', 'installer')),
    created_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    user_agent TEXT,
    ip TEXT
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE pairing_windows (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER,
    closed_reason TEXT
  );
  CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    revoked_at INTEGER
  );
  CREATE TABLE clips (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    media_start REAL NOT NULL,
    media_end REAL NOT NULL,
    trigger TEXT NOT NULL,
    cipher_bytes INTEGER NOT NULL,
    plain_bytes INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL,
    stored_at INTEGER NOT NULL
  );
  CREATE INDEX clips_device_started ON clips(device_id, started_at);
  CREATE INDEX clips_started ON clips(started_at);
  CREATE TABLE motion_events (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    kind TEXT NOT NULL CHECK (kind IN ('start', 'end')),
    media_time REAL NOT NULL,
    at INTEGER NOT NULL,
    received_at INTEGER NOT NULL
  );
  CREATE INDEX motion_events_device_at ON motion_events(device_id, at);
  CREATE TABLE upload_queue (
    clip_id TEXT PRIMARY KEY REFERENCES clips(id),
    object_name TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'uploaded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    enqueued_at INTEGER NOT NULL,
    uploaded_at INTEGER
  );
  CREATE INDEX upload_queue_due ON upload_queue(state, next_attempt_at, enqueued_at);
  `,
];
