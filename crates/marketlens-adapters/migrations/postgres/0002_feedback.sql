-- Users' feedback on analyses: the same table and rules as
-- migrations/sqlite/0002_feedback.sql, in native types.
--
-- One row per user per analysis: the unique index makes a second feedback from the
-- same user an update (ON CONFLICT). Anonymous feedback (user_id NULL) never conflicts,
-- since NULLs are distinct in a unique index, so each is kept. The checks repeat the
-- API's validation so no writer can store what the API would refuse.

CREATE TABLE feedback (
    id         UUID        PRIMARY KEY,
    query_id   UUID        NOT NULL REFERENCES queries (id),
    user_id    TEXT,
    rating     SMALLINT    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    useful     BOOLEAN,
    comment    TEXT        CHECK (char_length(comment) <= 2000),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX feedback_one_per_user ON feedback (query_id, user_id);
