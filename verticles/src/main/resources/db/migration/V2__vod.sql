-- The VOD catalog and its transcode jobs. An asset is published (state ready) once its job wrote
-- data-dir/vod/{id}; a job is claimed with FOR UPDATE SKIP LOCKED and held by a lease.

CREATE TABLE vod_asset (
    id          text PRIMARY KEY,
    title       text NOT NULL,
    description text NOT NULL DEFAULT '',
    tags        text[] NOT NULL DEFAULT '{}',
    state       text NOT NULL,              -- uploaded, processing, ready, failed
    source      text NOT NULL,              -- the uploaded file, relative to data-dir/vod
    size        bigint NOT NULL,
    duration    double precision,           -- seconds, once transcoded
    renditions  text NOT NULL DEFAULT '',   -- e.g. 720p,480p,360p,240p,audio
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    search      tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')) STORED
);

CREATE INDEX vod_asset_search ON vod_asset USING gin (search);
CREATE INDEX vod_asset_tags ON vod_asset USING gin (tags);
CREATE INDEX vod_asset_created ON vod_asset (created_at DESC, id);

CREATE TABLE vod_job (
    id            bigserial PRIMARY KEY,
    asset         text NOT NULL REFERENCES vod_asset (id) ON DELETE CASCADE,
    state         text NOT NULL,            -- queued, running, done, failed
    attempts      integer NOT NULL DEFAULT 0,
    worker        text,
    lease_until   timestamptz,
    percent       double precision NOT NULL DEFAULT 0,
    media_done_ms bigint NOT NULL DEFAULT 0,
    speed         double precision NOT NULL DEFAULT 0,   -- media seconds per wall second
    eta_ms        bigint,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);

CREATE INDEX vod_job_queue ON vod_job (state, id);
CREATE INDEX vod_job_asset ON vod_job (asset);
