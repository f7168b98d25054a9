-- Accounts, tokens, API keys, publish secrets and the audit log. Every secret a client holds
-- (refresh token, API key, publish secret) is kept as its SHA-256 only: each is 256 random bits,
-- so a fast hash suffices; passwords, chosen by people, get PBKDF2 (the hash text says its cost).

CREATE TABLE account (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    password_hash text NOT NULL,            -- pbkdf2-sha256$ITERATIONS$SALT$HASH (base64)
    role          text NOT NULL,            -- admin, editor, viewer, guest
    plan          text NOT NULL DEFAULT 'free',
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- A refresh token is used once: its successor joins the same family; a used one presented again
-- revokes the whole family (a stolen copy and the rightful holder cannot both go on).
CREATE TABLE refresh_token (
    token_hash bytea PRIMARY KEY,
    family     uuid NOT NULL,
    account    bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);

CREATE INDEX refresh_token_family ON refresh_token (family);
CREATE INDEX refresh_token_expires ON refresh_token (expires_at);

CREATE TABLE api_key (
    id         text PRIMARY KEY,            -- the public part of the key: trk_{id}_{secret}
    name       text NOT NULL,
    key_hash   bytea NOT NULL,
    role       text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE TABLE publish_stream (
    name        text PRIMARY KEY,           -- the stream key players see
    secret_hash bytea NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text NOT NULL,                  -- kind:sub (user:1, apikey:ab12...)
    action  text NOT NULL,                  -- e.g. POST /api/v1/node/drain
    outcome integer NOT NULL                -- the HTTP status answered
);

CREATE INDEX audit_log_at ON audit_log (at DESC);
