-- FAST channels: a schedule (grid or loop, as JSON) over VOD assets, published live at /live/{id}/.
-- renditions: the video rungs every scheduled asset has (the channel's renditions, highest first).

CREATE TABLE channel (
    id          text PRIMARY KEY,
    title       text NOT NULL DEFAULT '',
    schedule    jsonb NOT NULL,
    renditions  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
