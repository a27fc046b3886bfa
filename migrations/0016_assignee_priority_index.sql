-- "Assigned to me" pages (assignee = X AND resolution IS EMPTY ORDER BY priority DESC, updated DESC) read one index
-- range per priority (jql/to_sql.py SqlCompiler._split_by_first_key) instead of sorting every issue of the
-- assignee, and the resolution carried in the index lets the page skip resolved issues and the bounded count run as
-- an index-only scan. The index still serves `assignee = X` alone through its leading column, so it replaces
-- issues_assignee.
CREATE INDEX issues_assignee_priority ON issues (assignee_id, priority_id, updated_at DESC, id DESC)
    INCLUDE (resolution_id);
DROP INDEX issues_assignee;
