-- A new issue gets its number at the very end of its transaction (see tracker/issues/actions.py), so the
-- project's counter row is locked only for that last statement and the commit. Until then the row carries
-- no number and a placeholder key, both invisible to everyone else.
ALTER TABLE issues ALTER COLUMN number DROP NOT NULL;
