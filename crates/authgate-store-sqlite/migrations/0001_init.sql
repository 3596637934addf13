-- authgate store schema, version 1 (SQLite). Times are Unix seconds; token hashes are
-- lower-case hex of SHA-256; claims are a JSON object as text; tokens are sealed bytes.

CREATE TABLE users (
    id TEXT NOT NULL PRIMARY KEY,
    display_name TEXT,
    email TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX users_by_creation ON users (created_at, id);
CREATE INDEX users_by_email ON users (lower(email));

CREATE TABLE identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    tenant TEXT,
    email TEXT,
    email_verified INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identities_by_user ON identities (user_id, created_at);
CREATE INDEX identities_by_verified_email ON identities (lower(email)) WHERE email_verified;

CREATE TABLE role_grants (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE login_states (
    key_hash TEXT NOT NULL PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    provider TEXT NOT NULL,
    issuer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    link_user TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX login_states_by_expiry ON login_states (expires_at);

CREATE TABLE sessions (
    key_hash TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    sid TEXT,
    claims TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    tokens BLOB,
    tokens_expire_at INTEGER,
    lease_holder TEXT,
    lease_until INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);
CREATE INDEX sessions_by_sid ON sessions (issuer, sid);
CREATE INDEX sessions_by_subject ON sessions (issuer, subject);
CREATE INDEX sessions_by_idle_expiry ON sessions (idle_expires_at);
CREATE INDEX sessions_by_absolute_expiry ON sessions (absolute_expires_at);

CREATE TABLE replays (
    namespace TEXT NOT NULL,
    id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (namespace, id)
);
CREATE INDEX replays_by_expiry ON replays (expires_at);
