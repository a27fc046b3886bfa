-- Every issue has its number again from the moment it is inserted: a create takes the project's next number in
-- the INSERT itself (tracker/issues/repository.py INSERT_ISSUE), so 0012's NULL placeholder is gone.
ALTER TABLE issues ALTER COLUMN number SET NOT NULL;
