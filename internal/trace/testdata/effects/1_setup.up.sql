CREATE TABLE t (id bigint PRIMARY KEY, i int, s text);
INSERT INTO t SELECT g, g, 'x' FROM generate_series(1, 50000) g;
CREATE DOMAIN posint AS int;
CREATE TABLE d (v posint);
INSERT INTO d VALUES (1);
