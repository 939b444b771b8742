-- Users' feedback on analyses (see migrations/postgres/0002_feedback.sql for the same
-- table in native types).
--
-- One row per user per analysis: the unique index makes a second feedback from the
-- same user an update (ON CONFLICT). Anonymous feedback (user_id NULL) never conflicts,
-- since NULLs are distinct in a unique index, so each is kept. The checks repeat the
-- API's validation so no writer can store what the API would refuse.

CREATE TABLE feedback (
    id         TEXT    PRIMARY KEY,
    query_id   TEXT    NOT NULL REFERENCES queries (id),
    user_id    TEXT,
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    useful     INTEGER CHECK (useful IN (0, 1)),
    comment    TEXT    CHECK (length(comment) <= 2000),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

CREATE UNIQUE INDEX feedback_one_per_user ON feedback (query_id, user_id);
