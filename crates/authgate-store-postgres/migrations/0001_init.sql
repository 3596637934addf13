-- authgate store schema, version 1 (PostgreSQL). Times are Unix seconds; token hashes are
-- lower-case hex of SHA-256; claims are a JSON object as text; tokens are sealed bytes.
-- Keys and roles use the "C" collation so ordering is bytewise, as in every backend.

CREATE TABLE users (
    id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    display_name TEXT,
    email TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_by_creation ON users (created_at, id);
CREATE INDEX users_by_email ON users (lower(email));

CREATE TABLE identities (
    issuer TEXT COLLATE "C" NOT NULL,
    subject TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    tenant TEXT,
    email TEXT,
    email_verified BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identities_by_user ON identities (user_id, created_at);
CREATE INDEX identities_by_verified_email ON identities (lower(email)) WHERE email_verified;

CREATE TABLE role_grants (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT COLLATE "C" NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE login_states (
    key_hash TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    provider TEXT NOT NULL,
    issuer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    link_user TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_states_by_expiry ON login_states (expires_at);

CREATE TABLE sessions (
    key_hash TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    issuer TEXT COLLATE "C" NOT NULL,
    subject TEXT COLLATE "C" NOT NULL,
    sid TEXT COLLATE "C",
    claims TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL,
    tokens BYTEA,
    tokens_expire_at BIGINT,
    lease_holder TEXT,
    lease_until BIGINT
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);
CREATE INDEX sessions_by_sid ON sessions (issuer, sid);
CREATE INDEX sessions_by_subject ON sessions (issuer, subject);
CREATE INDEX sessions_by_idle_expiry ON sessions (idle_expires_at);
CREATE INDEX sessions_by_absolute_expiry ON sessions (absolute_expires_at);

CREATE TABLE replays (
    namespace TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, id)
);
CREATE INDEX replays_by_expiry ON replays (expires_at);
