CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL);
INSERT INTO orders SELECT g, g % 100 FROM generate_series(1, 1000) g;
