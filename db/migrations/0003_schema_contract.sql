-- The schema contract (ds-load --schema-contract discard): the fields and
-- JSON types dropped from records before they were stored, as an object
-- {"field":"type",...}; each (field, type) is journaled once per stream.
ALTER TABLE ds_schema_changes ADD COLUMN IF NOT EXISTS discarded jsonb NOT NULL DEFAULT '{}';
