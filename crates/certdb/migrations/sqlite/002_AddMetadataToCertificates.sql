-- +goose Up
-- The columns cfssl 1.5 and later write with every certificate.

ALTER TABLE certificates ADD COLUMN "issued_at" timestamp;
ALTER TABLE certificates ADD COLUMN "not_before" timestamp;
ALTER TABLE certificates ADD COLUMN "metadata" text;
ALTER TABLE certificates ADD COLUMN "sans" text;
ALTER TABLE certificates ADD COLUMN "common_name" text;

-- +goose Down
-- SQLite before 3.35 cannot drop columns: nothing to undo.
