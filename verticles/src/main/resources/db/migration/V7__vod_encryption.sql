-- AES-128 of a VOD asset, chosen at upload: the epoch its keys are derived under (with the playback
-- secret); NULL for an asset served in the clear.

ALTER TABLE vod_asset ADD COLUMN key_epoch bigint CHECK (key_epoch IS NULL OR key_epoch > 0);
