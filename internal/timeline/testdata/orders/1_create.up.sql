CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, total_cents bigint NOT NULL);
