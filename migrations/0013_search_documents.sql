-- Full-text search served by one GIN index (owned by jql/ and tracker/search/).
--
-- search_documents holds one tsvector per searchable document: one row per issue (comment_id = 0) with
-- its summary's words weighted A and its description's weighted B, and one row per comment (comment_id =
-- the comment's id) with the body's words at the default weight D. jql/to_sql.py matches `~` against it:
--   summary ~ w      document @@ 'w':A      (issue rows)
--   description ~ w  document @@ 'w':B      (issue rows)
--   comment ~ w      document @@ 'w':D      (comment rows)
--   text ~ w         document @@ 'w'        (the issue's summary + description, or any one comment)
-- Every word of a query must sit in the same row, which is exactly the meaning the expressions of
-- 0005_jql_search.sql had (and DuckDB and Elasticsearch keep): `text ~ "a b"` matches when summary and
-- description together hold both words, or when one comment does.
--
-- Triggers keep it in step with issues and comments in the writing transaction. Inserts are
-- statement-level with transition tables, so COPY and multi-row inserts pay one extra INSERT … SELECT
-- per statement; updates are row-level and fire only when summary, description or a body changed.
--
-- It replaces the four expression GIN indexes of 0005 (three of them on issues): an issue insert now
-- updates one btree and one GIN entry on the side table instead of three GIN indexes on issues.
-- Negated matches (`!~`) still read the columns, as they cannot use an index anyway.

CREATE TABLE search_documents (
    issue_id    bigint NOT NULL,
    comment_id  bigint NOT NULL DEFAULT 0,
    document    tsvector NOT NULL,
    PRIMARY KEY (issue_id, comment_id)
);
CREATE INDEX search_documents_fts ON search_documents USING gin (document);

-- Words as JQL splits them: every run of punctuation, spaces or control characters becomes one space before
-- PostgreSQL's parser sees the text. The parser reads a token by its context ('77e28833f934' alone is the
-- number 77e28833 and the word f934, inside 'SECRET-77e28833f934' it is one word; 'a.b' is a host name, '1.5'
-- a number), while a query's words always arrive alone; split first, both sides are parsed alike, and match
-- as DuckDB and Elasticsearch split them. jql/to_sql.py applies it to every document it matches.
CREATE FUNCTION search_words(body text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN regexp_replace(COALESCE(body, ''), '[[:punct:][:space:][:cntrl:]]+', ' ', 'g');

CREATE FUNCTION search_issue_document(summary text, description text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN setweight(to_tsvector('simple', search_words(summary)), 'A')
        || setweight(to_tsvector('simple', search_words(description)), 'B');

CREATE FUNCTION search_documents_issues_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_documents (issue_id, comment_id, document)
    SELECT n.id, 0, search_issue_document(n.summary, n.description) FROM new_rows n;
    RETURN NULL;
END $$;

CREATE FUNCTION search_documents_issue_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_documents SET document = search_issue_document(NEW.summary, NEW.description)
    WHERE issue_id = NEW.id AND comment_id = 0;
    RETURN NULL;
END $$;

CREATE FUNCTION search_documents_issues_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_documents d USING old_rows o WHERE d.issue_id = o.id;
    RETURN NULL;
END $$;

CREATE FUNCTION search_documents_comments_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_documents (issue_id, comment_id, document)
    SELECT n.issue_id, n.id, to_tsvector('simple', search_words(n.body)) FROM new_rows n;
    RETURN NULL;
END $$;

CREATE FUNCTION search_documents_comment_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_documents
    SET issue_id = NEW.issue_id, comment_id = NEW.id, document = to_tsvector('simple', search_words(NEW.body))
    WHERE issue_id = OLD.issue_id AND comment_id = OLD.id;
    RETURN NULL;
END $$;

CREATE FUNCTION search_documents_comments_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_documents d USING old_rows o WHERE d.issue_id = o.issue_id AND d.comment_id = o.id;
    RETURN NULL;
END $$;

CREATE FUNCTION search_documents_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'issues' THEN
        TRUNCATE search_documents;
    ELSE
        DELETE FROM search_documents WHERE comment_id <> 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER search_documents_insert AFTER INSERT ON issues
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_documents_issues_inserted();
CREATE TRIGGER search_documents_update AFTER UPDATE OF summary, description ON issues FOR EACH ROW
    WHEN (OLD.summary IS DISTINCT FROM NEW.summary OR OLD.description IS DISTINCT FROM NEW.description)
    EXECUTE FUNCTION search_documents_issue_updated();
CREATE TRIGGER search_documents_delete AFTER DELETE ON issues
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_documents_issues_deleted();
CREATE TRIGGER search_documents_truncate AFTER TRUNCATE ON issues
    FOR EACH STATEMENT EXECUTE FUNCTION search_documents_truncated();

CREATE TRIGGER search_documents_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_documents_comments_inserted();
CREATE TRIGGER search_documents_update AFTER UPDATE OF body, issue_id ON comments FOR EACH ROW
    WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.issue_id IS DISTINCT FROM NEW.issue_id)
    EXECUTE FUNCTION search_documents_comment_updated();
CREATE TRIGGER search_documents_delete AFTER DELETE ON comments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_documents_comments_deleted();
CREATE TRIGGER search_documents_truncate AFTER TRUNCATE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION search_documents_truncated();

-- Existing rows (a fresh database has none).
INSERT INTO search_documents (issue_id, comment_id, document)
SELECT id, 0, search_issue_document(summary, description) FROM issues;
INSERT INTO search_documents (issue_id, comment_id, document)
SELECT issue_id, id, to_tsvector('simple', search_words(body)) FROM comments;

DROP INDEX issues_summary_fts;
DROP INDEX issues_description_fts;
DROP INDEX issues_text_fts;
DROP INDEX comments_body_fts;

-- Custom text fields' expression indexes (tracker/fields/types/text.py) follow the new document expression.
DO $$
DECLARE
    ix record;
BEGIN
    FOR ix IN SELECT indexname, substring(indexname FROM '^issues_cf_([0-9]+)_fts$') AS field_id
              FROM pg_indexes WHERE tablename = 'issues' AND indexname ~ '^issues_cf_[0-9]+_fts$'
    LOOP
        EXECUTE format('DROP INDEX %I', ix.indexname);
        EXECUTE format('CREATE INDEX %I ON issues USING gin '
                       '(to_tsvector(''simple'', search_words(COALESCE(custom_fields ->> %L, ''''))))',
                       ix.indexname, 'customfield_' || ix.field_id);
    END LOOP;
END $$;
