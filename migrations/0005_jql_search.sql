-- JQL search support (owned by jql/).
-- Full-text `~`: expression GIN indexes whose expressions are exactly those jql/to_sql.py emits
-- (to_tsvector('simple', COALESCE(col, '')), and summary || ' ' || description for the `text` field).
-- The 'simple' configuration lower-cases without stemming or stop words, the profile DuckDB and
-- Elasticsearch reproduce; see the module docstring of jql/to_sql.py.
CREATE INDEX issues_summary_fts ON issues USING gin (to_tsvector('simple', COALESCE(summary, '')));
CREATE INDEX issues_description_fts ON issues USING gin (to_tsvector('simple', COALESCE(description, '')));
CREATE INDEX issues_text_fts ON issues
    USING gin (to_tsvector('simple', COALESCE(summary, '') || ' ' || COALESCE(description, '')));
CREATE INDEX comments_body_fts ON comments USING gin (to_tsvector('simple', COALESCE(body, '')));

-- WAS / CHANGED / timeInStatus probe history by issue and field, then walk it in time order:
-- 0001_foundation.sql already holds issue_history_issue_field (issue_id, field, occurred_at).
