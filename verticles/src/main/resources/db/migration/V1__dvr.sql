-- The DVR index: every recorded segment of every rendition, the init segments they need, the
-- renditions' newest metadata and where each node can be reached. Times are epoch milliseconds.

CREATE TABLE dvr_node (
    node       text PRIMARY KEY,          -- a node's id (kept under its data-dir/dvr)
    url        text NOT NULL,             -- where its recordings are fetched from
    seen_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dvr_rendition (
    stream     text NOT NULL,
    rendition  text NOT NULL,
    codecs     text NOT NULL,
    width      integer NOT NULL,
    height     integer NOT NULL,
    bandwidth  bigint NOT NULL,           -- peak bits/s seen
    audio      boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream, rendition)
);

CREATE TABLE dvr_init (
    stream       text NOT NULL,
    rendition    text NOT NULL,
    init_version integer NOT NULL,        -- counts up per rendition when the codec configuration changes
    file         text NOT NULL,           -- relative to data-dir/dvr
    size         bigint NOT NULL,
    digest       text NOT NULL,           -- SHA-256 of the bytes: a new version only when they change
    node         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream, rendition, init_version, node)
);

CREATE TABLE dvr_segment (
    stream          text NOT NULL,
    rendition       text NOT NULL,
    pdt_ms          bigint NOT NULL,      -- first sample, wall clock
    end_ms          bigint NOT NULL,      -- pdt_ms + duration
    msn             bigint NOT NULL,
    duration        double precision NOT NULL,
    size            bigint NOT NULL,
    file            text NOT NULL,
    init_version    integer NOT NULL,
    discontinuity   boolean NOT NULL,
    base_media_time bigint NOT NULL,
    timescale       integer NOT NULL,
    node            text NOT NULL,
    PRIMARY KEY (stream, rendition, pdt_ms)
);

-- eviction (oldest first, node-wide) and retention
CREATE INDEX dvr_segment_age ON dvr_segment (pdt_ms);
-- reconciliation of one node's files
CREATE INDEX dvr_segment_node ON dvr_segment (node, stream, rendition);
