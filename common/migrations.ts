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
  // 2: hub security — email, TOTP, recovery codes, camera grants, lockout counters,
  // known browsers, 2FA sign-in tickets, email codes, notifications, the audit chain,
  // settings, and re-provisioning a device through a pairing window bound to it.
  `
  ALTER TABLE users ADD COLUMN email TEXT;
  ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
  ALTER TABLE users ADD COLUMN totp_secret_sealed TEXT;
  ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;
  ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
  CREATE UNIQUE INDEX users_email ON users(email COLLATE NOCASE) WHERE email IS NOT NULL;
  CREATE TABLE recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (user_id, code_hash)
  );
  CREATE TABLE camera_grants (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, device_id)
  );
  CREATE TABLE login_throttle (
    scope TEXT NOT NULL CHECK (scope IN ('ip', 'account')),
    key TEXT NOT NULL,
    failures INTEGER NOT NULL,
    first_failure_at INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    locked_until INTEGER,
    PRIMARY KEY (scope, key)
  );
  CREATE TABLE known_browsers (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    browser_hash TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    user_agent TEXT,
    PRIMARY KEY (user_id, browser_hash)
  );
  CREATE TABLE login_tickets (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ip TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  ALTER TABLE sessions ADD COLUMN handle TEXT;
  UPDATE sessions SET handle = lower(hex(randomblob(12)));
  CREATE UNIQUE INDEX sessions_handle ON sessions(handle);
  CREATE TABLE email_codes (
    id INTEGER PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'invite')),
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT,
    grants TEXT,
    code_hash TEXT NOT NULL UNIQUE,
    code_sealed TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    sent_at INTEGER,
    used_at INTEGER
  );
  CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    read_at INTEGER
  );
  CREATE INDEX notifications_user ON notifications(user_id, at);
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    ip TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  ALTER TABLE pairing_windows ADD COLUMN device_id TEXT REFERENCES devices(id) ON DELETE CASCADE;
  ALTER TABLE devices ADD COLUMN token_issued_at INTEGER;
  `,
  // 3: what raised each motion event, and whether it was a retrigger (no new alert).
  `
  ALTER TABLE motion_events ADD COLUMN source TEXT NOT NULL DEFAULT 'video' CHECK (source IN ('video', 'pir', 'video+pir'));
  ALTER TABLE motion_events ADD COLUMN retrigger INTEGER NOT NULL DEFAULT 0 CHECK (retrigger IN (0, 1));
  `,
  // 4: the relay — verified checksums, where each copy of a clip still exists (retention
  // deletes the local copy of uploaded clips, and cloud copies after their days), clips
  // rebuilt from a bucket's manifests, and the relay's online/offline state for the hub.
  `
  ALTER TABLE upload_queue ADD COLUMN sha256 TEXT;
  ALTER TABLE upload_queue ADD COLUMN cloud_deleted_at INTEGER;
  ALTER TABLE clips ADD COLUMN local_deleted_at INTEGER;
  ALTER TABLE clips ADD COLUMN restored_at INTEGER;
  CREATE INDEX upload_queue_uploaded ON upload_queue(state, cloud_deleted_at);
  CREATE TABLE relay_status (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL CHECK (state IN ('online', 'offline', 'misconfigured')),
    since INTEGER NOT NULL,
    target TEXT NOT NULL,
    last_error TEXT,
    last_upload_at INTEGER,
    heartbeat_at INTEGER NOT NULL
  );
  `,
  // 5: arming — weekly rules (home modes and per-camera motion), each camera's motion switch
  // and the modes it records in, the arming timeline, and geofencing members with only their
  // latest position. Settings, the last manual change and the household's presence are rows
  // of the settings table.
  `
  CREATE TABLE schedule_rules (
    id TEXT PRIMARY KEY,
    camera_id TEXT REFERENCES devices(id) ON DELETE CASCADE,
    days TEXT NOT NULL,
    at TEXT NOT NULL,
    mode TEXT CHECK (mode IN ('disarmed', 'armed_home', 'armed_away', 'privacy')),
    motion INTEGER CHECK (motion IN (0, 1)),
    created_at INTEGER NOT NULL,
    CHECK ((camera_id IS NULL AND mode IS NOT NULL AND motion IS NULL) OR (camera_id IS NOT NULL AND mode IS NULL AND motion IS NOT NULL))
  );
  CREATE TABLE camera_arming (
    device_id TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
    motion_on INTEGER CHECK (motion_on IN (0, 1)),
    motion_at INTEGER,
    armed_in TEXT NOT NULL DEFAULT '["armed_home","armed_away"]'
  );
  CREATE TABLE arming_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    mode TEXT NOT NULL,
    cause TEXT NOT NULL
  );
  CREATE INDEX arming_events_at ON arming_events(at);
  CREATE TABLE geofence_members (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    presence TEXT NOT NULL DEFAULT 'unknown' CHECK (presence IN ('home', 'away', 'unknown')),
    lat REAL,
    lon REAL,
    accuracy_m REAL,
    fix_at INTEGER,
    owntracks_token_hash TEXT UNIQUE
  );
  `,
  // 6: clips the owner deleted. The row stays, hidden, until the relay has removed the cloud
  // copy (or found there is none): an upload in flight cannot bring the clip back.
  `
  ALTER TABLE clips ADD COLUMN deleted_at INTEGER;
  CREATE INDEX clips_deleted ON clips(deleted_at) WHERE deleted_at IS NOT NULL;
  `,
  // 7: each camera's detection and recording settings from the Cameras page (JSON, checked
  // by common/cameraSettings.ts), versioned so an edit made from a stale page is refused.
  `
  CREATE TABLE camera_settings (
    device_id TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
    settings TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
  );
  `,
  // 8: what the object detector saw during each motion event: the best detection per COCO
  // class per event (its score, its box as fractions of the picture, the frame it was in), not
  // every detection of every picture, which would grow without bound while motion lasts.
  `
  CREATE TABLE motion_labels (
    device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    event_at INTEGER NOT NULL,
    coco_class TEXT NOT NULL,
    label TEXT NOT NULL CHECK (label IN ('person', 'vehicle', 'animal')),
    score REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    frame_at INTEGER NOT NULL,
    box_x REAL NOT NULL,
    box_y REAL NOT NULL,
    box_w REAL NOT NULL,
    box_h REAL NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, event_at, coco_class)
  );
  `,
  // 9: that the detector answered for a motion event at all, even with nothing seen: a clip
  // whose events were looked at and held nothing counted may be dropped (recordWithoutObject
  // off), one whose events were never looked at (detector down, pictures lost) is always kept.
  // A clip's labels are looked up by motion_labels' key (device_id, event_at range): no new index.
  `
  CREATE TABLE motion_detection_answers (
    device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    event_at INTEGER NOT NULL,
    pictures INTEGER NOT NULL CHECK (pictures >= 1),
    last_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, event_at)
  );
  `,
  // 10: a pairing window keeps an OPAQUE registration record of its code (and the window's own
  // OPAQUE server setup) instead of the code's hash, so a camera proves the code without
  // sending it (hub/pairing.ts); code_hash is left empty from now on.
  `
  ALTER TABLE pairing_windows ADD COLUMN opaque_setup TEXT;
  ALTER TABLE pairing_windows ADD COLUMN opaque_record TEXT;
  `,
  // 11: clips stored while the footage key was locked (wrapped with a passphrase, not yet
  // unlocked): kept and uploaded, checked with the secret key once an owner unlocks it
  // (hub/heldClips.ts). Cascades so the relay can still forget a clip deleted meanwhile.
  `
  CREATE TABLE clips_held (
    clip_id TEXT PRIMARY KEY REFERENCES clips(id) ON DELETE CASCADE,
    held_at INTEGER NOT NULL
  );
  `,
  // 12: OPAQUE (RFC 9807): the account's registration record, written by the client's registration;
  // the hub never sees the password. password_hash ('' once migrated) is kept only for accounts
  // made before OPAQUE, until their next sign-in replaces it.
  `
  ALTER TABLE users ADD COLUMN opaque_record TEXT;
  `,
  // 13: browser ids are now issued and signed by the hub (hub/knownBrowsers.ts). The ones known
  // before were chosen by the browser, possibly planted: they exempt no one any more. (Until 15,
  // each account's first sign-in afterwards counted as its first ever and raised no new-device
  // notice.)
  `
  DELETE FROM known_browsers;
  `,
  // 14: password reset by a code mailed to the account's verified address: single use, 30 minutes.
  // Kept apart from email_codes so the owner's list of pending codes never shows one (an owner
  // session must not be a way into another member's account).
  `
  CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  CREATE INDEX password_resets_user ON password_resets (user_id, created_at);
  `,
  // 15: "has this account signed in before" is kept per account instead of read from its known
  // browsers, which 13 emptied: after it, a sign-in from a browser never seen raised no
  // new-device notice if it was the account's first since the upgrade, whoever made it. Taken
  // from the append-only audit log (auth.login since the account was made), the browsers and
  // sessions left. browsers_forgotten_at marks the accounts whose browsers 13 forgot (a sign-in
  // older than every browser the account knows now), so their notice can say that a usual
  // browser signing in for the first time since the update looks new too (hub/newDeviceNotice.ts).
  `
  ALTER TABLE users ADD COLUMN first_signed_in_at INTEGER;
  ALTER TABLE users ADD COLUMN browsers_forgotten_at INTEGER;
  UPDATE users SET first_signed_in_at = (
    SELECT MIN(t) FROM (
      SELECT at AS t FROM audit_log WHERE action = 'auth.login' AND actor = 'user:' || users.username AND at >= users.created_at
      UNION ALL SELECT first_seen_at FROM known_browsers WHERE user_id = users.id
      UNION ALL SELECT created_at FROM sessions WHERE user_id = users.id
    )
  );
  UPDATE users SET browsers_forgotten_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
  WHERE first_signed_in_at IS NOT NULL
    AND first_signed_in_at < COALESCE((SELECT MIN(first_seen_at) FROM known_browsers WHERE user_id = users.id), 9000000000000000);
  `,
  // 16: Web Push. Each user's devices (a browser's PushSubscription: endpoint and its two public
  // keys, kept so the hub can encrypt to it, RFC 8291), and snoozes (camera '' = every
  // notification; until NULL = until the home is next disarmed).
  `
  CREATE TABLE push_devices (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_sent_at INTEGER
  );
  CREATE INDEX push_devices_user ON push_devices (user_id);
  CREATE TABLE notification_snoozes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    camera_id TEXT NOT NULL,
    until INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, camera_id)
  );
  `,
  // 17: a push device remembers the session that registered it (its handle), so signing that
  // session out ends the device's notifications too (hub/sessions.ts). Devices from before
  // have none: only "sign out everywhere" or a password change or reset ends them.
  `
  ALTER TABLE push_devices ADD COLUMN session_handle TEXT;
  `,
  // 18: remote access (hub/remoteAccess.ts): the phones and laptops that reach the hub through
  // its WireGuard endpoint. Only each peer's public key is kept; its private key was shown once.
  // A revoked peer's row is deleted: its key is then in no config and no live interface.
  `
  CREATE TABLE remote_peers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
  );
  `,
];
