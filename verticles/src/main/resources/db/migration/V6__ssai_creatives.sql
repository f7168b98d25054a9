-- SSAI: ad creatives conditioned by the VOD pipeline, by the ad server's creative id.
-- One row per creative for the whole cluster: the node that inserts it fetches the media file once.
CREATE TABLE ssai_creatives (
    creative_id text PRIMARY KEY,                 -- the ad server's creative id (ad system + id when the id is empty)
    media_url   text NOT NULL,                    -- the MediaFile fetched
    asset_id    text,                             -- the VOD asset it became (tagged ad-creative); NULL while fetching
    state       text NOT NULL DEFAULT 'fetching', -- fetching, conditioning, failed (ready is the asset's state)
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ssai_creatives_asset ON ssai_creatives (asset_id);
