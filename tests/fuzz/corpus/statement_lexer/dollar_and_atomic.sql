-- migrate:no-transaction
-- migrate:lock-timeout 5s
CREATE FUNCTION f() RETURNS trigger AS $body$
BEGIN NEW.x := 'a;b'; RETURN NEW; END $body$ LANGUAGE plpgsql;
CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 END; END;
SELECT E'it\'s;', "quoted;""id", $$x;$$, $1 /* a /* nested; */ c */;
CREATE INDEX CONCURRENTLY i ON t (x);
