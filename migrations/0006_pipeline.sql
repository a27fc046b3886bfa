-- Event pipeline: relay lanes and retries on the outbox, consumer idempotency (the PostgreSQL fallback when
-- Redis is absent), dead letters of the in-process pipeline, webhooks, watchers and notifications.

-- In-process delivery retries a failing event with backoff; the broker relay never touches these.
ALTER TABLE outbox ADD COLUMN attempts int NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN available_at timestamptz;
ALTER TABLE outbox ADD COLUMN last_error text;
-- The relay's ordering lane is the issue (0 for events without one): "the first unsent row of a lane".
CREATE INDEX outbox_unsent_lane ON outbox ((coalesce(issue_id, 0)), id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- event_id claims of each consumer: token = the claiming batch, done once its effect is durable. Kept 24 h.
CREATE TABLE pipeline_dedup (
    consumer    text NOT NULL,
    event_id    uuid NOT NULL,
    token       text NOT NULL,
    done        boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX pipeline_dedup_created ON pipeline_dedup (created_at);

-- The highest issue version each state-keeping consumer has applied; older events are ignored.
CREATE TABLE pipeline_versions (
    consumer  text NOT NULL,
    issue_id  bigint NOT NULL,
    version   int NOT NULL,
    PRIMARY KEY (consumer, issue_id)
);

-- Events a consumer gave up on after its retries (in-process mode; with a broker they sit in <queue>.dlq).
CREATE TABLE pipeline_dead_letters (
    id          bigserial PRIMARY KEY,
    consumer    text NOT NULL,
    event_id    uuid,
    payload     jsonb NOT NULL,
    error       text NOT NULL,
    attempts    int NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhooks (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    url         text NOT NULL CHECK (url ~ '^https?://'),
    events      text[] NOT NULL CHECK (cardinality(events) > 0),
    jql         text,
    secret      text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_by  bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One delivery per webhook and event: the unique key makes enqueueing idempotent.
CREATE TABLE webhook_deliveries (
    id                bigserial PRIMARY KEY,
    webhook_id        bigint NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id          uuid NOT NULL,
    event_type        text NOT NULL,
    issue_id          bigint,
    payload           jsonb NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts          int NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    locked_until      timestamptz,
    last_status_code  int,
    last_error        text,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (id) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    id           bigserial PRIMARY KEY,
    delivery_id  bigint NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    status_code  int,
    error        text,
    duration_ms  double precision NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

CREATE TABLE issue_watchers (
    issue_id    bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issue_id, user_id)
);
CREATE INDEX issue_watchers_user ON issue_watchers (user_id);

-- One notification gathers the changes to one issue within the batch window (by event time) for one user.
CREATE TABLE notifications (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    issue_id     bigint NOT NULL,
    issue_key    text NOT NULL,
    project_key  text,
    summary      text,
    first_at     timestamptz NOT NULL,
    last_at      timestamptz NOT NULL,
    event_count  int NOT NULL DEFAULT 0,
    event_types  text[] NOT NULL DEFAULT '{}',
    actors       text[] NOT NULL DEFAULT '{}',
    fields       text[] NOT NULL DEFAULT '{}',
    reasons      text[] NOT NULL DEFAULT '{}',
    read_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_open ON notifications (user_id, issue_id, first_at) WHERE read_at IS NULL;

-- Which events a user's notifications already contain: applying an event twice adds nothing.
CREATE TABLE notification_events (
    user_id          bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    event_id         uuid NOT NULL,
    notification_id  bigint NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, event_id)
);
CREATE INDEX notification_events_notification ON notification_events (notification_id);
