-- A ladder an asset is transcoded into instead of the VOD template (SSAI: a creative conditioned to
-- the stream it plays in): JSON {fps, timescale, rungs: [{name, width, height, bitrate}]}; NULL for
-- the template ladder.
ALTER TABLE vod_asset ADD COLUMN conform_ladder text;
