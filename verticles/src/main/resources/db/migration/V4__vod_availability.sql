-- What a catalog user edits besides title, description and tags: the audio/subtitle languages of
-- an asset (BCP 47 tags) and the window it may be played in (either end open when NULL).

ALTER TABLE vod_asset
    ADD COLUMN languages       text[] NOT NULL DEFAULT '{}',
    ADD COLUMN available_from  timestamptz,
    ADD COLUMN available_until timestamptz,
    ADD CONSTRAINT vod_asset_window CHECK (available_from IS NULL OR available_until IS NULL OR available_from < available_until);
