-- Notices about supervision orders link to the order as ticket notices link to their ticket, and the header's
-- unread count reads only the unread rows of one user.
ALTER TABLE outbox ADD COLUMN order_id BIGINT REFERENCES supervision_orders (id);
ALTER TABLE inbox_messages ADD COLUMN order_id BIGINT REFERENCES supervision_orders (id);
CREATE INDEX inbox_messages_unread_idx ON inbox_messages (user_id) WHERE read_at IS NULL;
