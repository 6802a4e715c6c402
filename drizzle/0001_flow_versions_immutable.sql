-- A published version is what enrolled contacts run through: the database itself refuses to edit it.
CREATE TRIGGER `flow_versions_no_update` BEFORE UPDATE ON `flow_versions`
BEGIN
	SELECT RAISE(ABORT, 'published flow versions are immutable');
END;
