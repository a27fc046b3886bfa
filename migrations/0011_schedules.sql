-- Scheduled report exports (docs/dashboards.md): one row per schedule with its cron expression and the next
-- instant it is due; schedulers claim due rows with FOR UPDATE SKIP LOCKED, move next_run_at on and record a run,
-- all in one transaction, so two schedulers never run the same occurrence.

CREATE TABLE report_schedules (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    owner_id        bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    report          text NOT NULL,
    params          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
    format          text NOT NULL CHECK (format IN ('csv', 'parquet', 'json', 'html')),
    export_table    text,
    cron            text NOT NULL,
    timezone        text NOT NULL DEFAULT 'UTC',
    webhook_url     text CHECK (webhook_url ~ '^https?://'),
    webhook_secret  text,
    enabled         boolean NOT NULL DEFAULT true,
    next_run_at     timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_schedules_due ON report_schedules (next_run_at) WHERE enabled;
CREATE INDEX report_schedules_owner ON report_schedules (owner_id);

-- One row per occurrence run: the unique key is the second guard against running an occurrence twice.
CREATE TABLE report_schedule_runs (
    id              bigserial PRIMARY KEY,
    schedule_id     bigint NOT NULL REFERENCES report_schedules(id) ON DELETE CASCADE,
    scheduled_for   timestamptz NOT NULL,
    runner          text NOT NULL,
    status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    file            text,
    bytes           bigint,
    error           text,
    webhook_status  int,
    webhook_error   text,
    UNIQUE (schedule_id, scheduled_for)
);
CREATE INDEX report_schedule_runs_latest ON report_schedule_runs (schedule_id, id DESC);
CREATE INDEX report_schedule_runs_running ON report_schedule_runs (started_at) WHERE status = 'running';
