-- The role the application connects as on PostgreSQL. Run once as the owner of the database (the role
-- that ran `steward db upgrade`), replacing :'password'. The owner keeps owning every table, so the app
-- can read and write its data but can neither drop nor disable the triggers that keep audit_log
-- append-only, nor truncate it. Use the owner only for `steward db upgrade`, and point STEWARD_DATABASE_URL
-- at steward_app for everything else.
CREATE ROLE steward_app LOGIN PASSWORD :'password';
GRANT USAGE ON SCHEMA public TO steward_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO steward_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO steward_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM steward_app;
